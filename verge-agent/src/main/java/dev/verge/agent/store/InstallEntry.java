package dev.verge.agent.store;

import java.time.Instant;
import java.util.Objects;

/**
 * One install under way in the journal: a model's new default version and the step it reached.
 *
 * @param deploymentId the deployment that asked for it
 * @param runs how many process runs in a row, the current one included, loaded this version and
 *     answered nothing with it: each load attempt, and each start that finds it active on trial
 *     after a run that answered no request successfully (a run that did answer is evidence for the
 *     version, and the count starts again at this run); a crash loop shows as a growing count
 * @param previousVersion the committed version to go back to, null when the model had none
 * @param previousDigest the bundle of {@code previousVersion}, null with it
 * @param healthSince when the version began its trial (the {@link InstallStep#HEALTH} step), null
 *     before
 * @param answered the requests the version answered successfully on trial, over all its runs, as
 *     last journaled by its health check; 0 before its trial
 * @param answeredBefore {@code answered} when the current run began: a next start that finds {@code
 *     answered} above it knows this run answered requests, so it was no crash before serving
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
    Instant healthSince,
    long answered,
    long answeredBefore) {
  public InstallEntry {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(step, "step");
    if ((previousVersion == null) != (previousDigest == null)) {
      throw new IllegalArgumentException(
          "a previous version needs its digest: " + previousVersion + ", " + previousDigest);
    }
    if (answeredBefore < 0 || answered < answeredBefore) {
      throw new IllegalArgumentException(
          "answered requests must be 0 or more and not below those before the run: "
              + answered
              + ", "
              + answeredBefore);
    }
  }

  /** A new install of {@code version}, at {@code step}, before any run. */
  public static InstallEntry of(
      String model,
      long version,
      String digest,
      Long deploymentId,
      InstallStep step,
      Long previousVersion,
      String previousDigest) {
    return new InstallEntry(
        model, version, digest, deploymentId, step, 0, previousVersion, previousDigest, null, 0, 0);
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
        healthSince,
        answered,
        answeredBefore);
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
        healthSince,
        answered,
        answeredBefore);
  }

  /**
   * A new run with this version on trial, after one that answered requests: the first of a new
   * series of runs that may answer nothing.
   */
  public InstallEntry freshRun() {
    return new InstallEntry(
        model,
        version,
        digest,
        deploymentId,
        step,
        1,
        previousVersion,
        previousDigest,
        healthSince,
        answered,
        answered);
  }

  /** Whether the run that began with this entry answered a request successfully. */
  public boolean runAnswered() {
    return answered > answeredBefore;
  }

  /** The trial has answered {@code total} requests successfully so far, over all its runs. */
  public InstallEntry answered(long total) {
    return new InstallEntry(
        model,
        version,
        digest,
        deploymentId,
        step,
        runs,
        previousVersion,
        previousDigest,
        healthSince,
        total,
        answeredBefore);
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
        since,
        0,
        0);
  }

  /** Whether this entry is for that bundle of that deployment. */
  public boolean isFor(long version, String digest, Long deploymentId) {
    return this.version == version
        && this.digest.equals(digest)
        && Objects.equals(this.deploymentId, deploymentId);
  }
}
