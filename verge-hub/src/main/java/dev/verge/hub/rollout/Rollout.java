package dev.verge.hub.rollout;

import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import java.time.Instant;

/**
 * A deployment and where its rollout stands, as stored.
 *
 * @param plan the plan as the operator gave it; null for all at once
 * @param pausedFrom for a PAUSED rollout, the phase {@code resume} returns to; null when a failed
 *     gate paused it (resume then starts the next wave)
 * @param currentWave the wave being updated or soaked; null before the first starts
 * @param revision bumped by every change, for compare-and-set writes
 * @param sideBySide the version is served beside the model's default version, not as it
 */
record Rollout(
    long id,
    String model,
    long version,
    String bundleDigest,
    long bundleSize,
    String selector,
    boolean rollback,
    int priority,
    RolloutPlan plan,
    MaintenanceWindow window,
    Integer maxConcurrentDownloads,
    Instant createdAt,
    RolloutPhase phase,
    RolloutPhase pausedFrom,
    Integer currentWave,
    String reason,
    long revision,
    boolean sideBySide) {

  Rollout with(RolloutPhase phase, RolloutPhase pausedFrom, Integer currentWave, String reason) {
    return new Rollout(
        id,
        model,
        version,
        bundleDigest,
        bundleSize,
        selector,
        rollback,
        priority,
        plan,
        window,
        maxConcurrentDownloads,
        createdAt,
        phase,
        pausedFrom,
        currentWave,
        reason,
        revision,
        sideBySide);
  }

  /**
   * Whether devices are given the same as by {@code before}: only where the rollout stands (phase,
   * wave, reason, revision) differs, and not whether it is rolled back.
   */
  boolean servesAsBefore(Rollout before) {
    return rolledBack() == before.rolledBack()
        && equals(
            new Rollout(
                before.id,
                before.model,
                before.version,
                before.bundleDigest,
                before.bundleSize,
                before.selector,
                before.rollback,
                before.priority,
                before.plan,
                before.window,
                before.maxConcurrentDownloads,
                before.createdAt,
                phase,
                pausedFrom,
                currentWave,
                reason,
                revision,
                before.sideBySide));
  }

  /** Whether the version is sent back: the updated devices go to what they ran before. */
  boolean rolledBack() {
    return phase == RolloutPhase.ROLLING_BACK || phase == RolloutPhase.ROLLED_BACK;
  }
}
