package dev.verge.hub.rollout;

import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.select.Selector;
import dev.verge.hub.device.Device;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which deployment gives a device each model: among the rollouts that have released the model to
 * the device (or send it back), and whose selector the device's labels still match, the highest
 * priority wins, the newest first on a tie. Side-by-side rollouts take no part in that choice: each
 * that counts adds its version beside the winner's ({@link #sideBySide}).
 */
final class Layering {
  static final Comparator<Assignment> BEST_FIRST =
      Comparator.comparingInt((Assignment a) -> a.rollout().priority())
          .thenComparing(a -> a.rollout().createdAt())
          .thenComparingLong(a -> a.rollout().id())
          .reversed();

  private Layering() {}

  /** Per model, the device's candidates for the version its unversioned paths serve, best first. */
  static Map<String, List<Assignment>> byModel(List<Assignment> assignments, Device device) {
    Map<String, List<Assignment>> models = new TreeMap<>();
    for (Assignment a : assignments) {
      if (!a.rollout().sideBySide() && counts(a, device)) {
        models.computeIfAbsent(a.rollout().model(), m -> new ArrayList<>()).add(a);
      }
    }
    models.values().forEach(list -> list.sort(BEST_FIRST));
    return models;
  }

  /**
   * Per model, the side-by-side assignments that give the device a version beside the default one,
   * best first, one per version: a version the default already is, is not served twice.
   *
   * @param defaults per model, the version its unversioned paths serve
   */
  static Map<String, List<Assignment>> sideBySide(
      List<Assignment> assignments, Device device, Map<String, Long> defaults) {
    List<Assignment> candidates = new ArrayList<>();
    for (Assignment a : assignments) {
      if (a.rollout().sideBySide() && counts(a, device)) {
        candidates.add(a);
      }
    }
    candidates.sort(BEST_FIRST);
    Map<String, List<Assignment>> models = new TreeMap<>();
    for (Assignment a : candidates) {
      String model = a.rollout().model();
      long version = a.rollout().version();
      List<Assignment> chosen = models.computeIfAbsent(model, m -> new ArrayList<>());
      if (!Long.valueOf(version).equals(defaults.get(model))
          && chosen.stream().noneMatch(c -> c.rollout().version() == version)) {
        chosen.add(a);
      }
    }
    models.values().removeIf(List::isEmpty);
    return models;
  }

  /** Whether the assignment still gives the device a version of its model. */
  static boolean counts(Assignment a, Device device) {
    if (!a.member().released()) {
      return false;
    }
    if (a.rollout().sideBySide() && a.rollout().rolledBack()) {
      return false; // Rolling a side-by-side version back stops serving it.
    }
    if (a.rollout().rolledBack() && a.member().previousVersion() == null) {
      return false; // Nothing to go back to: the next deployment of the model (if any) takes over.
    }
    return selector(a.rollout().selector()).matches(device.labels());
  }

  /**
   * Stored selectors parsed once: the engine checks every member of every rollout of a model
   * several times a second. Few distinct selectors exist; the bound only guards against a leak.
   */
  private static final Map<String, Selector> PARSED = new ConcurrentHashMap<>();

  private static final int MAX_PARSED = 4096;

  static Selector selector(String text) {
    Selector known = PARSED.get(text);
    if (known != null) {
      return known;
    }
    if (PARSED.size() >= MAX_PARSED) {
      PARSED.clear();
    }
    Selector parsed = Selector.parse(text);
    PARSED.put(text, parsed);
    return parsed;
  }

  /** The version the assignment gives the device: the rollout's, or the earlier one on rollback. */
  static long version(Assignment a) {
    return a.rollout().rolledBack() ? a.member().previousVersion() : a.rollout().version();
  }

  static DeviceExplanation explain(Device device, List<Assignment> assignments) {
    Map<String, List<Assignment>> defaults = byModel(assignments, device);
    Map<String, Long> versions = new TreeMap<>();
    defaults.forEach((model, list) -> versions.put(model, version(list.getFirst())));
    Map<String, List<Assignment>> beside = sideBySide(assignments, device, versions);
    java.util.Set<String> names = new java.util.TreeSet<>(defaults.keySet());
    names.addAll(beside.keySet());
    List<DeviceExplanation.ModelChoice> models = new ArrayList<>();
    for (String model : names) {
      List<Assignment> list = defaults.getOrDefault(model, List.of());
      models.add(
          new DeviceExplanation.ModelChoice(
              model,
              list.isEmpty() ? null : candidate(list.getFirst()),
              list.size() < 2
                  ? List.of()
                  : list.subList(1, list.size()).stream().map(Layering::candidate).toList(),
              beside.getOrDefault(model, List.of()).stream().map(Layering::candidate).toList()));
    }
    return new DeviceExplanation(device.id(), models);
  }

  private static DeviceExplanation.Candidate candidate(Assignment a) {
    Rollout r = a.rollout();
    return new DeviceExplanation.Candidate(
        r.id(),
        version(a),
        r.priority(),
        r.selector(),
        r.createdAt(),
        r.phase(),
        r.rollback() || r.rolledBack());
  }

  /** Why {@code winner} overrides a rollout for a device. */
  static String overriddenBy(Assignment winner) {
    Rollout r = winner.rollout();
    return "deployment "
        + r.id()
        + " (v"
        + version(winner)
        + ", priority "
        + r.priority()
        + ") wins for this device";
  }
}
