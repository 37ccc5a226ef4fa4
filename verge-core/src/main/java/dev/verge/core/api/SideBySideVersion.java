package dev.verge.core.api;

/**
 * A version a device serves, or works towards serving, beside a model's default version, as a
 * side-by-side deployment asks (see {@link DesiredState#sideBySide}).
 *
 * @param deploymentId the deployment that asked for it
 * @param detail why it does not serve: the refusal, or the transient error it retries after; null
 *     while it serves
 */
public record SideBySideVersion(long version, long deploymentId, State state, String detail) {

  public enum State {
    /** Served on its versioned paths. */
    SERVING,
    /** Fetching it, or retrying a transient failure. */
    DOWNLOADING,
    /** A check refused it; {@code detail} says which and why. */
    FAILED
  }
}
