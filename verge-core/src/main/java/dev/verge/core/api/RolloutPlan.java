package dev.verge.core.api;

import java.time.Duration;
import java.util.List;

/**
 * How a deployment reaches its devices: an optional canary, then waves, each a fixed set of devices
 * chosen deterministically when the rollout starts, with a soak time and health gates between them.
 * A deployment without a plan goes to every targeted device at once.
 *
 * @param canary the first, small wave: a count ({@code "3"}) or a share of the targeted devices
 *     ({@code "5%"}, rounded up to at least one device); null for none
 * @param waves cumulative sizes after the canary, counts or shares ({@code ["25%", "50%",
 *     "100%"]}); the rollout ends with every targeted device, so a last wave below 100% is followed
 *     by one that takes the rest. Empty: the rest in one wave after the canary
 * @param soak how long a wave runs after its devices are updated before its gates decide; null
 *     means zero
 * @param gates conditions every wave must meet, read over the wave's devices (and earlier waves')
 * @param onFail what a failed gate does: roll back (default) or pause for a human
 * @param minDevices devices that must have reported before a gate decides; null means one
 * @param minRequests requests the wave's devices must have served before a latency, error or output
 *     gate decides; null means one
 * @param reportDeadline how long a device of a started wave may go without reporting the new
 *     version before it counts as failed for the gates (and shows UNREACHABLE); null means 15 min
 */
public record RolloutPlan(
    String canary,
    List<String> waves,
    Duration soak,
    List<Gate> gates,
    OnFail onFail,
    Integer minDevices,
    Long minRequests,
    Duration reportDeadline) {
  public RolloutPlan {
    waves = waves == null ? List.of() : List.copyOf(waves);
    gates = gates == null ? List.of() : List.copyOf(gates);
    onFail = onFail == null ? OnFail.ROLLBACK : onFail;
  }

  /** What a failed health gate does. */
  public enum OnFail {
    /** Put every updated device back on the version it ran before; the rollout ends ROLLED_BACK. */
    ROLLBACK,
    /** Stop starting waves until an operator resumes, rolls back or aborts. */
    PAUSE
  }
}
