package dev.verge.agent.sync;

import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.VersionStats;
import java.time.Duration;
import java.util.Locale;

/**
 * Judges a version on trial from its health counters: over its first {@link
 * UpdatePolicy#healthRequests} requests, or its first {@link UpdatePolicy#healthWindow} when fewer
 * came, its error rate and 95th-percentile latency must stay within the policy's limits. A version
 * whose errors alone already exceed what the whole check allows fails at once, without waiting.
 */
final class HealthCheck {
  private HealthCheck() {}

  /** What the check says so far. */
  sealed interface Verdict {
    /** Not decided yet: the check goes on. */
    record Pending() implements Verdict {}

    /** It passed: commit it. */
    record Healthy(String summary) implements Verdict {}

    /** It failed: go back. {@code reason} says what, with the figures and the limit. */
    record Unhealthy(String reason) implements Verdict {}
  }

  static Verdict judge(UpdatePolicy policy, VersionStats stats, Duration onTrial) {
    long requests = stats.requests();
    long errors = stats.errors();
    String label = "v" + stats.version();
    if (errors > policy.maxErrorRate() * policy.healthRequests()) {
      return new Verdict.Unhealthy(
          label
              + " failed "
              + errors
              + " of its first "
              + requests
              + " requests, more than the "
              + percent(policy.maxErrorRate())
              + " of "
              + policy.healthRequests()
              + " its health check allows");
    }
    boolean done =
        requests >= policy.healthRequests() || onTrial.compareTo(policy.healthWindow()) >= 0;
    if (!done) {
      return new Verdict.Pending();
    }
    String over =
        requests >= policy.healthRequests()
            ? "its first " + requests + " requests"
            : requests + " requests in its first " + minutes(policy.healthWindow());
    double rate = requests == 0 ? 0 : (double) errors / requests;
    if (rate > policy.maxErrorRate()) {
      return new Verdict.Unhealthy(
          label
              + " failed "
              + errors
              + " of "
              + over
              + " ("
              + percent(rate)
              + "), more than the limit of "
              + percent(policy.maxErrorRate()));
    }
    Double p95 = LatencyBuckets.quantileMillis(stats.latency(), 0.95);
    if (!policy.maxP95Latency().isZero() && p95 != null) {
      double limit = policy.maxP95Latency().toNanos() / 1e6;
      if (p95 > limit) {
        return new Verdict.Unhealthy(
            label
                + " answered in "
                + millis(p95)
                + " at the 95th percentile over "
                + over
                + ", more than the limit of "
                + millis(limit));
      }
    }
    return new Verdict.Healthy(
        errors + " errors in " + over + (p95 == null ? "" : ", p95 " + millis(p95)));
  }

  private static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f %%", fraction * 100);
  }

  private static String millis(double value) {
    return String.format(Locale.ROOT, "%.1f ms", value);
  }

  private static String minutes(Duration window) {
    long seconds = window.toSeconds();
    return seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
  }
}
