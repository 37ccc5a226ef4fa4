package dev.verge.hub.telemetry;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static dev.verge.hub.store.StoreFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.StoreContract;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link TelemetryStore} must do. */
public abstract class TelemetryStoreContract extends StoreContract {
  private TelemetryStore store;

  @BeforeEach
  void telemetry() {
    store = stores.telemetry();
  }

  @Test
  void a_batch_key_is_recorded_once() {
    enroll(stores.devices(), "dev-1", Map.of());

    Stored first = store.recordBatch("dev-1", "k1", records(1, 3), T0);
    Stored again = store.recordBatch("dev-1", "k1", records(1, 3), T0);

    assertThat(first).isEqualTo(new Stored(3, false));
    assertThat(again).isEqualTo(new Stored(0, true));
    assertThat(store.storedCount("dev-1")).isEqualTo(3);
  }

  /** What a CSV stream (PostgreSQL's COPY) must carry through untouched. */
  @Test
  void quotes_commas_newlines_and_unicode_in_a_record_round_trip() {
    enroll(stores.devices(), "dev-1", Map.of());
    Prediction tricky =
        new Prediction(
            1,
            T0,
            "iris",
            2,
            100,
            "req,\"1\"\nnext",
            dev.verge.core.json.Json.tree(
                "{\"label\": \"a,b\\n\\\"c\\\"\", \"\u00e9t\u00e9\": \"\u2713\", \"empty\": \"\"}"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            dev.verge.core.json.Json.tree("[]".getBytes()));
    Prediction bare = new Prediction(2, T0, "iris", 2, 100, "", null, null);

    stores.telemetry().recordBatch("dev-1", "k", List.of(tricky, bare), T0);

    assertThat(stores.telemetry().predictions("dev-1", 0, 10)).containsExactly(tricky, bare);
  }

  @Test
  void overlapping_sequences_are_stored_once_per_device() {
    enroll(stores.devices(), "dev-1", Map.of());
    enroll(stores.devices(), "dev-2", Map.of());
    enroll(stores.devices(), "dev-3", Map.of());

    store.recordBatch("dev-1", "k1", records(1, 5), T0);
    Stored overlap = store.recordBatch("dev-1", "k2", records(3, 7), T0);
    Stored otherDevice = store.recordBatch("dev-2", "k1", records(1, 5), T0);

    assertThat(overlap).isEqualTo(new Stored(2, false));
    assertThat(otherDevice).isEqualTo(new Stored(5, false));
    assertThat(store.storedCount("dev-1")).isEqualTo(7);
    assertThat(store.storedCount("dev-3")).isZero();
    assertThat(store.storedCounts(List.of("dev-1", "dev-2", "dev-3")))
        .isEqualTo(Map.of("dev-1", 7L, "dev-2", 5L));
    assertThat(store.storedCounts(List.of("dev-2"))).isEqualTo(Map.of("dev-2", 5L));
    assertThat(store.storedCounts(List.of())).isEmpty();
  }

  @Test
  void an_empty_batch_records_its_key_and_nothing_else() {
    enroll(stores.devices(), "dev-1", Map.of());

    assertThat(store.recordBatch("dev-1", "k1", List.of(), T0)).isEqualTo(new Stored(0, false));
    assertThat(store.recordBatch("dev-1", "k1", List.of(), T0)).isEqualTo(new Stored(0, true));
    assertThat(store.storedCounts(List.of("dev-1"))).isEmpty();
  }

  @Test
  void prediction_records_round_trip_in_sequence_order() {
    enroll(stores.devices(), "dev-1", Map.of());
    store.recordBatch("dev-1", "k1", records(4, 6), T0);
    store.recordBatch("dev-1", "k2", records(1, 3), T0);

    List<Prediction> page = store.predictions("dev-1", 2, 3);

    assertThat(page).isEqualTo(records(3, 5));
    assertThat(store.predictions("dev-1", 6, 10)).isEmpty();
  }

  @Test
  void concurrent_batches_are_stored_exactly_once() throws Exception {
    enroll(stores.devices(), "dev-1", Map.of());
    int threads = 6;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<Integer>> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      writers.add(
          () -> {
            go.await();
            int accepted = 0;
            for (int b = 0; b < 20; b++) {
              long from = b * 10L + thread * 5L;
              accepted +=
                  store
                      .recordBatch("dev-1", "t" + thread + "b" + b, records(from, from + 9), T0)
                      .added();
            }
            return accepted;
          });
    }
    int accepted = 0;
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      List<Future<Integer>> futures = writers.stream().map(pool::submit).toList();
      go.countDown();
      for (Future<Integer> f : futures) {
        accepted += f.get();
      }
    }

    long distinct = 19 * 10L + (threads - 1) * 5L + 10;
    assertThat(accepted).isEqualTo(distinct);
    assertThat(store.storedCount("dev-1")).isEqualTo(distinct);
  }

  // Partitions (PostgreSQL), retention and the reads per model version.

  /** Noon; PostgreSQL's maintenance at NOW makes the day partitions from a week back to ahead. */
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

  private static final Duration THIRTY_DAYS = Duration.ofDays(30);

  private static Prediction at(long sequence, Instant time, long version, long latency) {
    return new Prediction(sequence, time, "iris", version, latency, null, null, null);
  }

  private VersionQuery all(long version) {
    return new VersionQuery("iris", version, Telemetry.EARLIEST, Telemetry.LATEST, null);
  }

  private List<Long> sequences(String device) {
    return store.predictions(device, -1, 1000).stream().map(Prediction::sequence).toList();
  }

  @Test
  void a_redelivered_batch_across_a_day_boundary_stores_nothing_twice() {
    enroll(stores.devices(), "dev-1", Map.of());
    store.maintain(NOW, Duration.ZERO);
    Instant midnight = Instant.parse("2026-03-02T00:00:00Z");
    // Either side of midnight, and one far ahead that no day partition covers (the default one).
    List<Prediction> batch =
        List.of(
            at(1, midnight.minusNanos(1), 2, 10),
            at(2, midnight, 2, 20),
            at(3, midnight.plusMillis(1), 2, 30),
            at(4, Instant.parse("2100-01-01T00:00:00Z"), 2, 40));

    Stored first = store.recordBatch("dev-1", "k1", batch, NOW);
    Stored resent = store.recordBatch("dev-1", "k2", batch, NOW.plusSeconds(90_000));
    Stored overlap =
        store.recordBatch(
            "dev-1", "k3", List.of(batch.get(1), at(5, midnight.plusSeconds(5), 2, 50)), NOW);

    assertThat(first).isEqualTo(new Stored(4, false));
    assertThat(resent).isEqualTo(new Stored(0, false));
    assertThat(overlap).isEqualTo(new Stored(1, false));
    assertThat(sequences("dev-1")).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(store.storedCount("dev-1")).isEqualTo(5);
    assertThat(store.versionPredictions(all(2), null, 10)).hasSize(5);
  }

  @Test
  void a_day_partition_created_after_its_records_arrived_still_stores_a_resend_once() {
    enroll(stores.devices(), "dev-1", Map.of());
    store.maintain(NOW, Duration.ZERO);
    // Three weeks ahead: no partition yet, so the records wait in the default partition.
    Instant later = NOW.plus(Duration.ofDays(21));
    List<Prediction> batch = List.of(at(1, later, 2, 10), at(2, later.plusSeconds(1), 2, 20));
    store.recordBatch("dev-1", "k1", batch, NOW);

    Maintained round = store.maintain(later, Duration.ZERO); // Makes that day's partition.
    Stored resent = store.recordBatch("dev-1", "k2", batch, later);

    assertThat(round).isInstanceOf(Maintained.Done.class);
    assertThat(resent).isEqualTo(new Stored(0, false));
    assertThat(sequences("dev-1")).containsExactly(1L, 2L);
    assertThat(store.storedCount("dev-1")).isEqualTo(2);
  }

  @Test
  void retention_removes_old_predictions_keeps_recent_ones_and_lowers_the_counts() {
    enroll(stores.devices(), "dev-1", Map.of());
    enroll(stores.devices(), "dev-2", Map.of());
    store.maintain(NOW, Duration.ZERO);
    store.recordBatch(
        "dev-1",
        "k1",
        List.of(
            at(1, NOW.minus(Duration.ofDays(60)), 2, 10), // outside every day partition
            at(2, NOW.minus(Duration.ofDays(2)), 2, 20), // in a day partition
            at(3, NOW.plus(Duration.ofHours(1)), 2, 30),
            at(4, NOW.plus(Duration.ofDays(5)), 2, 40)),
        NOW);
    store.recordBatch("dev-2", "k1", List.of(at(1, NOW.plus(Duration.ofDays(6)), 2, 50)), NOW);

    // 34 days on, a 30-day retention ends at NOW + 4 days (noon): records 1 to 3 are older.
    Instant later = NOW.plus(Duration.ofDays(34));
    Maintained round = store.maintain(later, THIRTY_DAYS);

    assertThat(round).isInstanceOf(Maintained.Done.class);
    assertThat(sequences("dev-1")).containsExactly(4L);
    assertThat(sequences("dev-2")).containsExactly(1L);
    assertThat(store.storedCount("dev-1")).isEqualTo(1);
    assertThat(store.storedCounts(List.of("dev-1", "dev-2")))
        .containsEntry("dev-1", 1L)
        .containsEntry("dev-2", 1L);
    assertThat(store.aggregates(all(2), Duration.ofDays(1)))
        .extracting(LatencyBucket::count)
        .containsExactly(1L, 1L);
    // A second round finds nothing more to do, and ingestion goes on into the new days.
    assertThat(store.maintain(later, THIRTY_DAYS)).isEqualTo(new Maintained.Done(0, 0, 0));
    assertThat(store.recordBatch("dev-1", "k2", List.of(at(5, later, 2, 60)), later))
        .isEqualTo(new Stored(1, false));
    assertThat(store.storedCount("dev-1")).isEqualTo(2);
  }

  @Test
  void retention_zero_keeps_every_prediction() {
    enroll(stores.devices(), "dev-1", Map.of());
    store.maintain(NOW, Duration.ZERO);
    store.recordBatch(
        "dev-1",
        "k1",
        List.of(at(1, NOW.minus(Duration.ofDays(400)), 2, 10), at(2, NOW, 2, 20)),
        NOW);

    store.maintain(NOW.plus(Duration.ofDays(1000)), Duration.ZERO);

    assertThat(sequences("dev-1")).containsExactly(1L, 2L);
    assertThat(store.storedCount("dev-1")).isEqualTo(2);
  }

  @Test
  void retention_deletes_a_large_backlog_in_batches_and_counts_every_row() {
    enroll(stores.devices(), "dev-1", Map.of());
    int n = SqlTelemetryStore.DELETE_BATCH + 1_500;
    Instant old = NOW.minus(Duration.ofDays(90));
    for (int from = 0; from < n; from += Telemetry.MAX_BATCH_RECORDS) {
      List<Prediction> batch = new ArrayList<>();
      for (int s = from; s < Math.min(n, from + Telemetry.MAX_BATCH_RECORDS); s++) {
        batch.add(at(s, old.plusMillis(s), 2, s));
      }
      store.recordBatch("dev-1", "k" + from, batch, NOW);
    }
    store.recordBatch("dev-1", "recent", List.of(at(n, NOW, 2, 1)), NOW);

    store.maintain(NOW, THIRTY_DAYS);

    assertThat(sequences("dev-1")).containsExactly((long) n);
    assertThat(store.storedCount("dev-1")).isEqualTo(1);
  }

  @Test
  void two_rounds_at_once_fail_neither_and_do_the_work_once() throws Exception {
    enroll(stores.devices(), "dev-1", Map.of());
    store.maintain(NOW, Duration.ZERO);
    store.recordBatch(
        "dev-1",
        "k1",
        List.of(
            at(1, NOW.minus(Duration.ofDays(2)), 2, 10),
            at(2, NOW.minus(Duration.ofDays(60)), 2, 10),
            at(3, NOW.plus(Duration.ofDays(6)), 2, 10)),
        NOW);
    Instant later = NOW.plus(Duration.ofDays(34));
    CountDownLatch go = new CountDownLatch(1);
    List<Maintained> outcomes;
    try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
      List<Future<Maintained>> rounds = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        rounds.add(
            pool.submit(
                () -> {
                  go.await();
                  return store.maintain(later, THIRTY_DAYS);
                }));
      }
      go.countDown();
      outcomes = new ArrayList<>();
      for (Future<Maintained> f : rounds) {
        outcomes.add(f.get());
      }
    }

    assertThat(outcomes).allSatisfy(o -> assertThat(o).isNotNull());
    assertThat(sequences("dev-1")).containsExactly(3L);
    assertThat(store.storedCount("dev-1")).isEqualTo(1);
  }

  @Test
  void a_versions_predictions_page_in_time_order_across_devices() {
    enroll(stores.devices(), "dev-1", Map.of());
    enroll(stores.devices(), "dev-2", Map.of());
    store.maintain(NOW, Duration.ZERO);
    store.recordBatch(
        "dev-1",
        "k1",
        List.of(at(1, NOW, 2, 10), at(2, NOW.plusSeconds(2), 2, 10), at(3, NOW, 3, 10)),
        NOW);
    store.recordBatch(
        "dev-2",
        "k1",
        List.of(
            at(7, NOW, 2, 10), at(8, NOW.plusSeconds(1), 2, 10), at(9, NOW.plusSeconds(3), 2, 10)),
        NOW);

    List<DevicePrediction> first = store.versionPredictions(all(2), null, 3);
    List<DevicePrediction> rest = store.versionPredictions(all(2), first.getLast().key(), 3);
    VersionQuery oneDevice =
        new VersionQuery("iris", 2, NOW.plusSeconds(1), NOW.plusSeconds(3), "dev-2");
    VersionQuery anotherVersion = all(3);

    assertThat(first)
        .extracting(p -> p.deviceId() + "/" + p.prediction().sequence())
        .containsExactly("dev-1/1", "dev-2/7", "dev-2/8");
    assertThat(rest)
        .extracting(p -> p.deviceId() + "/" + p.prediction().sequence())
        .containsExactly("dev-1/2", "dev-2/9");
    assertThat(store.versionPredictions(oneDevice, null, 10))
        .extracting(p -> p.prediction().sequence())
        .containsExactly(8L);
    assertThat(store.versionPredictions(anotherVersion, null, 10))
        .singleElement()
        .satisfies(p -> assertThat(p.prediction()).isEqualTo(at(3, NOW, 3, 10)));
    assertThat(first.getFirst().timeMs()).isEqualTo(NOW.toEpochMilli());
  }

  @Test
  void aggregates_count_and_rank_latencies_per_bucket() {
    enroll(stores.devices(), "dev-1", Map.of());
    enroll(stores.devices(), "dev-2", Map.of());
    store.maintain(NOW, Duration.ZERO);
    Instant hour = Instant.parse("2026-03-01T12:00:00Z");
    List<Prediction> hundred = new ArrayList<>();
    for (int i = 1; i <= 100; i++) { // latencies 100 down to 1, over the hour
      hundred.add(at(i, hour.plusSeconds(i * 30L), 2, 101 - i));
    }
    store.recordBatch("dev-1", "k1", hundred, NOW);
    store.recordBatch(
        "dev-2",
        "k1",
        List.of(
            at(1, hour.plusSeconds(3600), 2, 30),
            at(2, hour.plusSeconds(3601), 2, 10),
            at(3, hour.plusSeconds(7199), 2, 20),
            at(4, hour.plusSeconds(7200), 2, 1_000_000), // the next bucket, outside the range
            at(5, hour.plusSeconds(3700), 3, 5)), // another version
        NOW);

    VersionQuery twoHours = new VersionQuery("iris", 2, hour, hour.plusSeconds(7200), null);
    List<LatencyBucket> buckets = store.aggregates(twoHours, Duration.ofHours(1));
    List<LatencyBucket> dev2 =
        store.aggregates(
            new VersionQuery("iris", 2, hour.minusSeconds(1800), hour.plusSeconds(7200), "dev-2"),
            Duration.ofHours(1));

    assertThat(buckets)
        .containsExactly(
            new LatencyBucket(hour, 100, 1, 100, 5050, 50, 95, 99),
            new LatencyBucket(hour.plusSeconds(3600), 3, 10, 30, 60, 20, 30, 30));
    assertThat(dev2)
        .containsExactly(new LatencyBucket(hour.plusSeconds(3600), 3, 10, 30, 60, 20, 30, 30));
  }
}
