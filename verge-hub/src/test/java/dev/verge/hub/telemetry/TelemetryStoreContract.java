package dev.verge.hub.telemetry;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static dev.verge.hub.store.StoreFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.StoreContract;
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
}
