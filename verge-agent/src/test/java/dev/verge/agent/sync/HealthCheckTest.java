package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.VersionStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  private static final UpdatePolicy POLICY =
      UpdatePolicy.defaults()
          .withHealthCheck(100, Duration.ofMinutes(10))
          .withLimits(0.05, Duration.ofMillis(100));

  /** {@code requests} requests, {@code errors} of them failed, the others all in one bucket. */
  private static VersionStats stats(long requests, long errors, long latencyMicros) {
    List<Long> latency = new ArrayList<>(Collections.nCopies(LatencyBuckets.COUNT, 0L));
    latency.set(LatencyBuckets.index(latencyMicros), requests - errors);
    return new VersionStats(2, 1L, Instant.EPOCH, requests, errors, latency, Map.of());
  }

  private static HealthCheck.Verdict judge(VersionStats stats, Duration onTrial) {
    return HealthCheck.judge(POLICY, stats, onTrial);
  }

  @Test
  void goes_on_until_its_requests_or_its_window_are_done() {
    assertThat(judge(stats(99, 5, 1_000), Duration.ofMinutes(9)))
        .isInstanceOf(HealthCheck.Verdict.Pending.class);
    assertThat(judge(stats(100, 5, 1_000), Duration.ofMinutes(1)))
        .isInstanceOf(HealthCheck.Verdict.Healthy.class);
    assertThat(judge(stats(0, 0, 1_000), Duration.ofMinutes(10)))
        .isInstanceOf(HealthCheck.Verdict.Healthy.class);
  }

  @Test
  void fails_at_once_when_its_errors_alone_pass_what_the_whole_check_allows() {
    assertThat(judge(stats(6, 6, 1_000), Duration.ZERO))
        .isEqualTo(
            new HealthCheck.Verdict.Unhealthy(
                "v2 failed 6 of its first 6 requests, more than the 5.0 % of 100 its health check"
                    + " allows"));
  }

  @Test
  void fails_on_its_error_rate_over_the_requests_of_its_window() {
    assertThat(judge(stats(40, 3, 1_000), Duration.ofMinutes(10)))
        .isEqualTo(
            new HealthCheck.Verdict.Unhealthy(
                "v2 failed 3 of 40 requests in its first 10 min (7.5 %), more than the limit of"
                    + " 5.0 %"));
  }

  @Test
  void fails_on_its_95th_percentile_latency_only_when_a_limit_is_set() {
    VersionStats slow = stats(100, 0, 200_000);
    HealthCheck.Verdict verdict = judge(slow, Duration.ZERO);
    assertThat(verdict).isInstanceOf(HealthCheck.Verdict.Unhealthy.class);
    assertThat(((HealthCheck.Verdict.Unhealthy) verdict).reason())
        .startsWith("v2 answered in ")
        .contains("at the 95th percentile over its first 100 requests")
        .endsWith("more than the limit of 100.0 ms");
    assertThat(HealthCheck.judge(POLICY.withLimits(0.05, Duration.ZERO), slow, Duration.ZERO))
        .isInstanceOf(HealthCheck.Verdict.Healthy.class);
  }

  @Test
  void a_bad_policy_is_refused_by_name() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> UpdatePolicy.defaults().withLimits(1.5, Duration.ZERO))
        .hasMessageContaining("error rate must be from 0 to 1, got 1.5");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> UpdatePolicy.defaults().withKeepBundles(0))
        .hasMessageContaining("at least 1 bundle");
  }
}
