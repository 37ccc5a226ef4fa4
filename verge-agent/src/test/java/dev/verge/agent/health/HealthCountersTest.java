package dev.verge.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.verge.agent.store.VersionTally;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.VersionStats;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthCountersTest {
  private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
  private final HealthCounters health = new HealthCounters(clock, List.of());

  private static final List<TensorSpec> PUMP_OUTPUTS =
      List.of(new TensorSpec("output", DataType.FP32, List.of(-1L, 2L)));

  private static Tensor rows(String name, int columns, float... values) {
    return new Tensor(name, DataType.FP32, new long[] {values.length / columns, columns}, values);
  }

  private VersionStats stats() {
    return health.stats("pump").orElseThrow();
  }

  @Test
  void counts_requests_model_errors_and_refusals_of_the_active_version() {
    health.activated("pump", 1, PUMP_OUTPUTS, 9L);

    health.succeeded("pump", 1, 80_000, List.of(rows("output", 2, 0.2f, 0.8f)));
    health.failed("pump", 1);
    health.refused("pump", 1);

    VersionStats stats = stats();
    assertThat(stats.version()).isEqualTo(1);
    assertThat(stats.deploymentId()).isEqualTo(9L);
    assertThat(stats.activatedAt()).isEqualTo(clock.instant());
    assertThat(stats.requests()).isEqualTo(3);
    assertThat(stats.errors()).isEqualTo(1);
    assertThat(stats.latency().get(LatencyBuckets.index(80))).isEqualTo(1);
    assertThat(stats.latency().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
  }

  @Test
  void output_means_are_kept_per_column_over_rows_and_skip_values_that_are_not_finite() {
    health.activated("pump", 1, PUMP_OUTPUTS, 1L);

    health.succeeded("pump", 1, 1_000, List.of(rows("output", 2, 0.1f, 0.9f, 0.3f, 0.7f)));
    health.succeeded("pump", 1, 1_000, List.of(rows("output", 2, Float.NaN, 0.5f)));

    Map<String, Double> means = stats().outputMeans();
    assertThat(means.get("output[0]")).isCloseTo(0.2, within(1e-6));
    assertThat(means.get("output[1]")).isCloseTo(0.7, within(1e-6));
  }

  @Test
  void output_means_cover_at_most_four_numeric_outputs_and_eight_columns() {
    List<TensorSpec> outputs =
        List.of(
            new TensorSpec("label", DataType.BYTES, List.of(-1L)),
            new TensorSpec("a", DataType.FP32, List.of(-1L, 10L)),
            new TensorSpec("b", DataType.INT64, List.of(-1L)),
            new TensorSpec("c", DataType.FP64, List.of(-1L, 1L)),
            new TensorSpec("d", DataType.UINT8, List.of(-1L, 1L)),
            new TensorSpec("e", DataType.FP32, List.of(-1L, 1L)));
    health.activated("pump", 1, outputs, 1L);
    float[] wide = new float[10];
    for (int i = 0; i < wide.length; i++) {
      wide[i] = i;
    }

    health.succeeded(
        "pump",
        1,
        1_000,
        List.of(
            new Tensor("label", DataType.BYTES, new long[] {1}, new String[] {"ok"}),
            new Tensor("a", DataType.FP32, new long[] {1, 10}, wide),
            new Tensor("b", DataType.INT64, new long[] {2}, new long[] {4, 6}),
            new Tensor("c", DataType.FP64, new long[] {1, 1}, new double[] {0.5}),
            new Tensor("d", DataType.UINT8, new long[] {1, 1}, new byte[] {(byte) 200}),
            new Tensor("e", DataType.FP32, new long[] {1, 1}, new float[] {1})));

    Map<String, Double> means = stats().outputMeans();
    assertThat(means)
        .containsOnlyKeys(
            "a[0]", "a[1]", "a[2]", "a[3]", "a[4]", "a[5]", "a[6]", "a[7]", "b[0]", "c[0]", "d[0]");
    assertThat(means.get("a[7]")).isEqualTo(7.0);
    assertThat(means.get("b[0]")).as("a rank-1 output is one column").isEqualTo(5.0);
    assertThat(means.get("d[0]")).as("UINT8 is unsigned").isEqualTo(200.0);
  }

  @Test
  void requests_still_running_on_a_replaced_version_are_not_counted_for_the_new_one() {
    health.activated("pump", 1, PUMP_OUTPUTS, 1L);
    health.succeeded("pump", 1, 1_000, List.of());

    health.activated("pump", 2, PUMP_OUTPUTS, 2L);
    health.succeeded("pump", 1, 1_000, List.of());
    health.failed("pump", 1);

    assertThat(stats().version()).isEqualTo(2);
    assertThat(stats().requests()).isZero();
    assertThat(stats().errors()).isZero();
  }

  @Test
  void a_restart_goes_on_from_the_saved_counters_of_the_same_version_only() {
    health.activated("pump", 3, PUMP_OUTPUTS, 5L);
    health.succeeded("pump", 3, 1_000, List.of(rows("output", 2, 0.25f, 0.75f)));
    health.failed("pump", 3);
    List<VersionTally> saved = health.tallies();

    HealthCounters again = new HealthCounters(clock, saved);
    again.restored("pump", 3, PUMP_OUTPUTS);
    again.succeeded("pump", 3, 1_000, List.of(rows("output", 2, 0.75f, 0.25f)));

    VersionStats stats = again.stats("pump").orElseThrow();
    assertThat(stats.requests()).isEqualTo(3);
    assertThat(stats.errors()).isEqualTo(1);
    assertThat(stats.deploymentId()).isEqualTo(5L);
    assertThat(stats.outputMeans().get("output[0]")).isCloseTo(0.5, within(1e-6));

    HealthCounters other = new HealthCounters(clock, saved);
    other.restored("pump", 4, PUMP_OUTPUTS);
    assertThat(other.stats("pump").orElseThrow().requests()).isZero();
    assertThat(other.stats("pump").orElseThrow().deploymentId()).isNull();
  }

  @Test
  void idle_time_runs_from_the_last_request_and_a_model_that_does_not_serve_is_idle() {
    assertThat(health.idleFor("pump")).isEqualTo(HealthCounters.FOREVER);
    health.activated("pump", 1, PUMP_OUTPUTS, 1L);
    clock.advance(Duration.ofSeconds(40));
    assertThat(health.idleFor("pump")).isEqualTo(Duration.ofSeconds(40));

    health.refused("pump", 1);
    clock.advance(Duration.ofSeconds(5));

    assertThat(health.idleFor("pump")).isEqualTo(Duration.ofSeconds(5));
    health.removed("pump");
    assertThat(health.idleFor("pump")).isEqualTo(HealthCounters.FOREVER);
    assertThat(health.stats("pump")).isEmpty();
  }

  @Test
  void saved_counters_not_restored_yet_are_kept_for_the_next_save() {
    health.activated("pump", 3, PUMP_OUTPUTS, 5L);
    health.succeeded("pump", 3, 1_000, List.of());
    List<VersionTally> saved = health.tallies();

    HealthCounters startingAgain = new HealthCounters(clock, saved);

    assertThat(startingAgain.tallies()).isEqualTo(saved);
    assertThat(startingAgain.stats("pump")).as("nothing serves yet").isEmpty();
  }
}
