package dev.verge.core.api;

/** Where a targeted device stands with a deployment. */
public enum RolloutState {
  /** Not given the version yet (its wave has not started, or it waits for a download slot). */
  PENDING,
  /** Fetching the bundle, or retrying a transient download error. */
  DOWNLOADING,
  /** Fetched and verified; activates once the deployment's maintenance window allows. */
  WAITING_FOR_WINDOW,
  /** Serving the deployed version. */
  ACTIVE,
  /** Reported that it refused or could not load the deployed version of this deployment. */
  FAILED,
  /** Sent back to the version it ran before, after the rollout was rolled back. */
  ROLLED_BACK,
  /** Another deployment of the same model now wins for the device (priority, or newer). */
  SUPERSEDED,
  /** Given the version but has not reported within the rollout's report deadline. */
  UNREACHABLE
}
