package dev.verge.core.api;

import java.time.Instant;

/**
 * A version the device is working towards but does not serve yet, and why not yet.
 *
 * @param deploymentId the deployment that asked for it
 * @param phase where the device stands with it
 * @param detail for {@link Phase#RETRYING}, the transient error it will retry after; otherwise null
 *     or a short note ("window 01:00-04:00 Europe/Berlin")
 * @param since when the device entered this phase
 */
public record PendingTarget(
    long version, long deploymentId, Phase phase, String detail, Instant since) {

  /** Not {@code FAILED}: a refused or unloadable version is {@link ModelReport#failedVersion}. */
  public enum Phase {
    /** Fetching the bundle. */
    DOWNLOADING,
    /** Fetched and verified; activates once its maintenance window allows. */
    WAITING_FOR_WINDOW,
    /** A download failed in a way worth retrying (hub or link down, a stall); it will retry. */
    RETRYING
  }
}
