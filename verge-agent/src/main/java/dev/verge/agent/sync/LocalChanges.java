package dev.verge.agent.sync;

import dev.verge.core.api.LocalChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a developer changed on the device through the model repository extension, in memory only: it
 * lasts until the hub's desired state next changes (then the hub's wins, see {@link SyncLoop}) or
 * the agent restarts.
 */
final class LocalChanges {
  private final Map<String, Instant> unloaded = new ConcurrentHashMap<>();
  private final Map<Key, Loaded> loaded = new ConcurrentHashMap<>();

  private record Key(String model, long version) {}

  /**
   * A version loaded locally.
   *
   * @param asDefault whether it serves the model's unversioned paths (the model had no default)
   */
  record Loaded(String model, long version, boolean asDefault, Instant at) {}

  void unloaded(String model, Instant at) {
    unloaded.put(model, at);
    loaded.keySet().removeIf(k -> k.model().equals(model));
  }

  /** Lifts a local unload; true when there was one. */
  boolean reload(String model) {
    return unloaded.remove(model) != null;
  }

  void loaded(String model, long version, boolean asDefault, Instant at) {
    loaded.put(new Key(model, version), new Loaded(model, version, asDefault, at));
  }

  boolean isUnloaded(String model) {
    return unloaded.containsKey(model);
  }

  Set<String> unloadedModels() {
    return Set.copyOf(unloaded.keySet());
  }

  /** The version loaded locally as {@code model}'s default, null when none is. */
  Long localDefault(String model) {
    for (Loaded l : loaded.values()) {
      if (l.model().equals(model) && l.asDefault()) {
        return l.version();
      }
    }
    return null;
  }

  /** Every model with a local change. */
  Set<String> models() {
    Set<String> models = new TreeSet<>(unloaded.keySet());
    loaded.keySet().forEach(k -> models.add(k.model()));
    return models;
  }

  boolean isEmpty() {
    return unloaded.isEmpty() && loaded.isEmpty();
  }

  /** The changes in effect for {@code model}, as the report tells the hub. */
  List<LocalChange> of(String model) {
    List<LocalChange> changes = new ArrayList<>();
    Instant at = unloaded.get(model);
    if (at != null) {
      changes.add(new LocalChange(LocalChange.Action.UNLOADED, null, at));
    }
    loaded.values().stream()
        .filter(l -> l.model().equals(model))
        .sorted(java.util.Comparator.comparingLong(Loaded::version))
        .forEach(l -> changes.add(new LocalChange(LocalChange.Action.LOADED, l.version(), l.at())));
    return changes;
  }

  /** Forgets every change; answers the versions that were loaded locally, to stop serving. */
  List<Loaded> clear() {
    List<Loaded> undo = new ArrayList<>(loaded.values());
    loaded.clear();
    unloaded.clear();
    return undo;
  }
}
