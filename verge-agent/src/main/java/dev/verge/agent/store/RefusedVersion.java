package dev.verge.agent.store;

import java.time.Instant;
import java.util.Objects;

/**
 * A version the device refused, or rolled back from, by itself; it is not installed again until the
 * hub asks for another version or deployment of the model.
 *
 * @param check the step that refused it, as the sync package names it (e.g. {@code HEALTH})
 * @param reason why, as reported to the hub
 */
public record RefusedVersion(
    String model,
    long version,
    String digest,
    Long deploymentId,
    String check,
    String reason,
    Instant at) {
  public RefusedVersion {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(at, "at");
  }

  /** Whether the hub still asks for what was refused: the same version, bundle and deployment. */
  public boolean isFor(long version, String digest, Long deploymentId) {
    return this.version == version
        && this.digest.equals(digest)
        && Objects.equals(this.deploymentId, deploymentId);
  }
}
