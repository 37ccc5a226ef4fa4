package dev.verge.hub.device;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The labels an operator gave a device, which win over the labels it reports: pairs {@code set},
 * and keys {@code removed}. A removed key is hidden whatever the device reports (a tombstone) until
 * the operator sets it again; setting a key drops its tombstone and removing it drops the pair.
 */
public record OperatorLabels(SortedMap<String, String> set, SortedSet<String> removed) {
  public static final OperatorLabels NONE = new OperatorLabels(null, null);

  public OperatorLabels {
    set = Collections.unmodifiableSortedMap(set == null ? new TreeMap<>() : new TreeMap<>(set));
    removed =
        Collections.unmodifiableSortedSet(
            removed == null ? new TreeSet<>() : new TreeSet<>(removed));
  }

  /** These labels after the operator sets {@code pairs} and removes {@code keys}. */
  public OperatorLabels with(Map<String, String> pairs, Collection<String> keys) {
    TreeMap<String, String> nextSet = new TreeMap<>(set);
    TreeSet<String> nextRemoved = new TreeSet<>(removed);
    nextSet.putAll(pairs);
    nextRemoved.removeAll(pairs.keySet());
    nextSet.keySet().removeAll(keys);
    nextRemoved.addAll(keys);
    return new OperatorLabels(nextSet, nextRemoved);
  }

  /** The labels selectors match: {@code reported} without the removed keys, then the set pairs. */
  public Map<String, String> applyTo(Map<String, String> reported) {
    TreeMap<String, String> effective = new TreeMap<>(reported);
    effective.keySet().removeAll(removed);
    effective.putAll(set);
    return Collections.unmodifiableMap(effective);
  }

  /** Every key these labels speak of, set or removed. */
  Set<String> keys() {
    Set<String> keys = new TreeSet<>(set.keySet());
    keys.addAll(removed);
    return keys;
  }
}
