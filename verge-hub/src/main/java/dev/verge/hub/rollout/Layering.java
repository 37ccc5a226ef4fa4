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
 * priority wins, the newest first on a tie.
 */
final class Layering {
  static final Comparator<Assignment> BEST_FIRST =
      Comparator.comparingInt((Assignment a) -> a.rollout().priority())
          .thenComparing(a -> a.rollout().createdAt())
          .thenComparingLong(a -> a.rollout().id())
          .reversed();

  private Layering() {}

  /** Per model, the device's candidates, best first. */
  static Map<String, List<Assignment>> byModel(List<Assignment> assignments, Device device) {
    Map<String, List<Assignment>> models = new TreeMap<>();
    for (Assignment a : assignments) {
      if (counts(a, device)) {
        models.computeIfAbsent(a.rollout().model(), m -> new ArrayList<>()).add(a);
      }
    }
    models.values().forEach(list -> list.sort(BEST_FIRST));
    return models;
  }

  /** Whether the assignment still gives the device a version of its model. */
  static boolean counts(Assignment a, Device device) {
    if (!a.member().released()) {
      return false;
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
    List<DeviceExplanation.ModelChoice> models = new ArrayList<>();
    byModel(assignments, device)
        .forEach(
            (model, list) ->
                models.add(
                    new DeviceExplanation.ModelChoice(
                        model,
                        candidate(list.getFirst()),
                        list.subList(1, list.size()).stream().map(Layering::candidate).toList())));
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
