package dev.verge.core.api;

import java.time.Instant;
import java.util.List;

/**
 * Why a device's desired state is what it is: per model, the deployment that won and the ones it
 * overrode (lower priority, or older at the same priority).
 */
public record DeviceExplanation(String deviceId, List<ModelChoice> models) {
  public DeviceExplanation {
    models = models == null ? List.of() : List.copyOf(models);
  }

  /**
   * @param winner the deployment the device's desired state takes this model's default version
   *     from; null when only side-by-side deployments give it the model
   * @param overridden the other deployments targeting the device for this model, best first
   * @param beside the side-by-side deployments whose versions it serves beside the default
   */
  public record ModelChoice(
      String model, Candidate winner, List<Candidate> overridden, List<Candidate> beside) {
    public ModelChoice {
      overridden = overridden == null ? List.of() : List.copyOf(overridden);
      beside = beside == null ? List.of() : List.copyOf(beside);
    }

    /** A choice without side-by-side versions. */
    public ModelChoice(String model, Candidate winner, List<Candidate> overridden) {
      this(model, winner, overridden, List.of());
    }
  }

  /**
   * A deployment that targets the device.
   *
   * @param version the version it gives this device (the earlier one for a rolled-back rollout)
   * @param rollback whether the device is sent back to {@code version} by a rollback
   */
  public record Candidate(
      long deploymentId,
      long version,
      int priority,
      String selector,
      Instant createdAt,
      RolloutPhase state,
      boolean rollback) {}
}
