package dev.verge.core.api;

/**
 * Where a rollout stands, as the hub's rollout engine advances it:
 *
 * <pre>
 * PENDING -> CANARY -> SOAKING -> WAVE -> SOAKING -> ... -> COMPLETED
 *   any live phase -> PAUSED (gate with onFail PAUSE, or by hand) -> back where it was (resume)
 *   any live phase -> ROLLING_BACK -> ROLLED_BACK (failed gate, or by hand)
 *   any live phase -> ABORTED (by hand: updated devices keep the version, no more waves start)
 * </pre>
 */
public enum RolloutPhase {
  /** Created; the engine has not started its first wave yet. */
  PENDING,
  /** The canary wave's devices are being updated. */
  CANARY,
  /** A wave after the canary is being updated ({@link DeploymentView#currentWave}). */
  WAVE,
  /** The current wave is updated; its soak time runs and its gates decide at the end. */
  SOAKING,
  /** Stopped for a human: a gate failed with onFail PAUSE, or an operator paused it. */
  PAUSED,
  /** Updated devices are being sent back to the version they ran before. */
  ROLLING_BACK,
  /** Every updated device was sent back; ends the rollout. */
  ROLLED_BACK,
  /** Stopped by an operator; updated devices keep the version, no further wave starts. */
  ABORTED,
  /** Every wave passed; every targeted device has been given the version. */
  COMPLETED;

  /** Whether the engine will not move this rollout any more. */
  public boolean terminal() {
    return this == ROLLED_BACK || this == ABORTED || this == COMPLETED;
  }
}
