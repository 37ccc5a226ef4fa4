package dev.verge.hub.telemetry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class PredictionMaintenanceTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  /** A store whose rounds fail while {@code failing} is above zero, and that notes each call. */
  private static final class Rounds implements TelemetryStore {
    final AtomicInteger failing = new AtomicInteger();
    final List<Duration> retentions = new CopyOnWriteArrayList<>();

    @Override
    public Maintained maintain(Instant now, Duration retention) {
      retentions.add(retention);
      if (failing.getAndDecrement() > 0) {
        throw new OutOfMemoryError("a round that fails the worst way");
      }
      return new Maintained.Done(1, 0, 2);
    }

    @Override
    public Stored recordBatch(String d, String k, List<Prediction> r, Instant at) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<Prediction> predictions(String deviceId, long afterSequence, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public long storedCount(String deviceId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Map<String, Long> storedCounts(Collection<String> deviceIds) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<DevicePrediction> versionPredictions(VersionQuery q, PageKey after, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public List<LatencyBucket> aggregates(VersionQuery query, Duration bucket) {
      throw new UnsupportedOperationException();
    }
  }

  @Test
  void a_round_runs_at_start_and_failing_rounds_are_counted_while_the_loop_goes_on()
      throws InterruptedException {
    Rounds store = new Rounds();
    store.failing.set(3); // the round at start and the next two
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    try (PredictionMaintenance upkeep =
        PredictionMaintenance.start(store, clock, Duration.ofDays(30), Duration.ofMillis(10))) {
      assertThat(store.retentions).isNotEmpty(); // before start returned
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (upkeep.rounds() < 2 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }

      assertThat(upkeep.failures()).isEqualTo(3);
      assertThat(upkeep.rounds()).isGreaterThanOrEqualTo(2);
      assertThat(upkeep.rowsDeleted()).isGreaterThanOrEqualTo(4);
      assertThat(store.retentions).allMatch(Duration.ofDays(30)::equals);
    }
  }

  @Test
  void a_negative_retention_is_refused_naming_it() {
    assertThatThrownBy(
            () ->
                PredictionMaintenance.start(
                    new Rounds(), Clock.systemUTC(), Duration.ofDays(-1), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("prediction retention must be zero (keep all) or more, got PT-24H");
  }
}
