package dev.verge.core.api;

/** Where a targeted device stands with a deployment. */
public enum RolloutState {
  /** Not yet reporting the deployed version as active. */
  PENDING,
  /** Serving the deployed version. */
  ACTIVE,
  /** Reported that it refused or could not load the deployed version. */
  FAILED,
  /** A newer deployment of the same model now targets the device. */
  SUPERSEDED
}
