package dev.verge.agent.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One install under way in the journal: a model's new default version and the step it reached.
 *
 * @param deploymentId the deployment that asked for it
 * @param runs how many process runs loaded this version without committing it: each load attempt,
 *     and each start that finds it active on trial; a crash loop shows as a growing count
 * @param previousVersion the committed version to go back to, null when the model had none
 * @param previousDigest the bundle of {@code previousVersion}, null with it
 * @param healthSince when the version began its trial (the {@link InstallStep#HEALTH} step), null
 *     before
 */
public record InstallEntry(
    String model,
    long version,
    String digest,
    Long deploymentId,
    InstallStep step,
    int runs,
    Long previousVersion,
    String previousDigest,
    Instant healthSince) {
  public InstallEntry {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(step, "step");
    if ((previousVersion == null) != (previousDigest == null)) {
      throw new IllegalArgumentException(
          "a previous version needs its digest: " + previousVersion + ", " + previousDigest);
    }
  }

  public InstallEntry at(InstallStep next) {
    return new InstallEntry(
        model,
        version,
        digest,
        deploymentId,
        next,
        runs,
        previousVersion,
        previousDigest,
        healthSince);
  }

  /** One more run that loads this version. */
  public InstallEntry run() {
    return new InstallEntry(
        model,
        version,
        digest,
        deploymentId,
        step,
        runs + 1,
        previousVersion,
        previousDigest,
        healthSince);
  }

  /** On trial from {@code since}. */
  public InstallEntry onTrial(Instant since) {
    return new InstallEntry(
        model,
        version,
        digest,
        deploymentId,
        InstallStep.HEALTH,
        runs,
        previousVersion,
        previousDigest,
        since);
  }

  /** Whether this entry is for that bundle of that deployment. */
  public boolean isFor(long version, String digest, Long deploymentId) {
    return this.version == version
        && this.digest.equals(digest)
        && Objects.equals(this.deploymentId, deploymentId);
  }
}
