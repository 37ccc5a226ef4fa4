package dev.verge.agent.sync;

import java.time.Duration;
import java.util.Objects;

/**
 * How the agent guards a new model version by itself, without the hub: how many runs it may take
 * without being committed, the health check that commits it or sends the model back to its previous
 * version, and how many bundles are kept per model.
 *
 * @param maxRuns a version that was loaded this many times in a row (its activation and each start
 *     with it on trial, or each load attempt) without answering a request is not trusted: the next
 *     start serves the previous committed version (or keeps it, committed, with none to go back
 *     to), or refuses it if it never got past loading; a run that answered starts the count again
 * @param healthRequests the health check ends after this many requests on the new version...
 * @param healthWindow ...or after this long, whichever comes first; zero commits at activation
 * @param maxErrorRate the most errors (inside the model) per request the new version may have over
 *     its check, from 0 to 1
 * @param maxP95Latency the most its 95th-percentile latency may be over its check; zero: no limit
 * @param keepBundles how many bundles are kept per model: the active version's and the most
 *     recently committed others (2: the active and the previous version)
 */
public record UpdatePolicy(
    int maxRuns,
    int healthRequests,
    Duration healthWindow,
    double maxErrorRate,
    Duration maxP95Latency,
    int keepBundles) {

  public static final int DEFAULT_MAX_RUNS = 3;
  public static final int DEFAULT_HEALTH_REQUESTS = 100;
  public static final Duration DEFAULT_HEALTH_WINDOW = Duration.ofMinutes(10);
  public static final double DEFAULT_MAX_ERROR_RATE = 0.05;
  public static final int DEFAULT_KEEP_BUNDLES = 2;

  public UpdatePolicy {
    Objects.requireNonNull(healthWindow, "healthWindow");
    Objects.requireNonNull(maxP95Latency, "maxP95Latency");
    require(maxRuns >= 1, "the most runs without a commit must be 1 or more, got " + maxRuns);
    require(
        healthRequests >= 1,
        "the health check's request count must be 1 or more, got " + healthRequests);
    require(
        !healthWindow.isNegative(),
        "the health check's window must not be negative: " + healthWindow);
    require(
        maxErrorRate >= 0 && maxErrorRate <= 1,
        "the most error rate must be from 0 to 1, got " + maxErrorRate);
    require(
        !maxP95Latency.isNegative(), "the latency limit must not be negative: " + maxP95Latency);
    require(keepBundles >= 1, "at least 1 bundle (the active one) is kept, got " + keepBundles);
  }

  /**
   * 3 runs; a check over the first 100 requests or 10 minutes; at most 5 % errors; no latency limit
   * (what is slow depends on the model); 2 bundles kept per model.
   */
  public static UpdatePolicy defaults() {
    return new UpdatePolicy(
        DEFAULT_MAX_RUNS,
        DEFAULT_HEALTH_REQUESTS,
        DEFAULT_HEALTH_WINDOW,
        DEFAULT_MAX_ERROR_RATE,
        Duration.ZERO,
        DEFAULT_KEEP_BUNDLES);
  }

  public UpdatePolicy withMaxRuns(int value) {
    return new UpdatePolicy(
        value, healthRequests, healthWindow, maxErrorRate, maxP95Latency, keepBundles);
  }

  public UpdatePolicy withHealthCheck(int requests, Duration window) {
    return new UpdatePolicy(maxRuns, requests, window, maxErrorRate, maxP95Latency, keepBundles);
  }

  public UpdatePolicy withLimits(double errorRate, Duration p95Latency) {
    return new UpdatePolicy(
        maxRuns, healthRequests, healthWindow, errorRate, p95Latency, keepBundles);
  }

  public UpdatePolicy withKeepBundles(int value) {
    return new UpdatePolicy(
        maxRuns, healthRequests, healthWindow, maxErrorRate, maxP95Latency, value);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
