package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.ReportedState;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link HubStore} must do. Each store implementation's test extends this class and says
 * how to open a fresh, empty store.
 */
public abstract class HubStoreContract {
  protected static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  protected HubStore store;

  /** A new, empty, migrated store. */
  protected abstract HubStore openStore();

  @BeforeEach
  void open() {
    store = openStore();
  }

  @AfterEach
  void close() {
    store.close();
  }

  protected static ModelVersionView version(String name, long version, String digest) {
    return new ModelVersionView(
        name,
        version,
        digest,
        1234,
        "abcdef0123456789",
        T0,
        List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L))),
        List.of(new TensorSpec("output", DataType.INT64, List.of(-1L))),
        Map.of("framework", "test"));
  }

  protected static String digest(char c) {
    return String.valueOf(c).repeat(64);
  }

  protected static NewDevice device(String id, Map<String, String> labels) {
    return new NewDevice(id, "name-" + id, labels, "cred-" + id, "0.1.0", "linux", T0);
  }

  protected void enroll(String id, Map<String, String> labels) {
    store.addEnrollmentToken("token-" + id, T0, T0.plusSeconds(60), null);
    assertThat(store.enroll("token-" + id, T0, device(id, labels))).isTrue();
  }

  protected static List<PredictionRecord> records(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(
            s ->
                new PredictionRecord(
                    s,
                    T0.plusNanos(s * 1_001),
                    "iris",
                    2,
                    100 + s,
                    s % 2 == 0 ? "req-" + s : null,
                    Json.tree(("{\"label\": " + s + "}").getBytes())))
        .toList();
  }

  @Test
  void admin_token_hash_is_set_once() {
    assertThat(store.adminTokenHash()).isEmpty();

    assertThat(store.initAdminTokenHash("first")).isTrue();
    assertThat(store.initAdminTokenHash("second")).isFalse();

    assertThat(store.adminTokenHash()).contains("first");
  }

  @Test
  void publisher_keys_are_added_once_and_listed_in_order() {
    PublisherKeyView a = new PublisherKeyView("aaaa", "ci", "PEM-A", T0);
    PublisherKeyView b = new PublisherKeyView("bbbb", "laptop", "PEM-B", T0.plusSeconds(1));

    assertThat(store.addPublisherKey(a)).isEqualTo(new Created<>(a, true));
    assertThat(store.addPublisherKey(b).created()).isTrue();
    Created<PublisherKeyView> again =
        store.addPublisherKey(new PublisherKeyView("aaaa", "renamed", "PEM-A", T0.plusSeconds(9)));

    assertThat(again).isEqualTo(new Created<>(a, false));
    assertThat(store.publisherKeys()).containsExactly(a, b);
  }

  @Test
  void model_versions_are_added_once_and_found_by_name_version_and_digest() {
    ModelVersionView v1 = version("iris", 1, digest('a'));

    assertThat(store.addModelVersion(v1)).isEqualTo(new Created<>(v1, true));
    Created<ModelVersionView> clash = store.addModelVersion(version("iris", 1, digest('b')));

    assertThat(clash).isEqualTo(new Created<>(v1, false));
    assertThat(store.modelVersion("iris", 1)).contains(v1);
    assertThat(store.modelVersion("iris", 2)).isEmpty();
    assertThat(store.modelVersionByDigest(digest('a'))).contains(v1);
    assertThat(store.modelVersionByDigest(digest('b'))).isEmpty();
  }

  @Test
  void model_versions_are_listed_by_name_then_version() {
    store.addModelVersion(version("vad", 1, digest('1')));
    store.addModelVersion(version("iris", 10, digest('2')));
    store.addModelVersion(version("iris", 2, digest('3')));

    assertThat(store.modelVersions())
        .extracting(v -> v.name() + ":" + v.version())
        .containsExactly("iris:2", "iris:10", "vad:1");
    assertThat(store.modelVersions("iris"))
        .extracting(ModelVersionView::version)
        .containsExactly(2L, 10L);
  }

  @Test
  void an_enrollment_token_enrolls_once() {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), "for the lab");

    assertThat(store.enroll("t", T0.plusSeconds(1), device("dev-1", Map.of()))).isTrue();
    assertThat(store.enroll("t", T0.plusSeconds(2), device("dev-2", Map.of()))).isFalse();

    assertThat(store.devices()).extracting(DeviceView::id).containsExactly("dev-1");
  }

  @Test
  void an_expired_or_unknown_enrollment_token_enrolls_nothing() {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), null);

    assertThat(store.enroll("t", T0.plusSeconds(60), device("dev-1", Map.of()))).isFalse();
    assertThat(store.enroll("unknown", T0, device("dev-2", Map.of()))).isFalse();

    assertThat(store.devices()).isEmpty();
  }

  @Test
  void concurrent_enrollments_with_one_token_admit_exactly_one() throws Exception {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), null);
    int attempts = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      String id = "dev-" + i;
      calls.add(
          () -> {
            go.await();
            return store.enroll("t", T0, device(id, Map.of()));
          });
    }
    List<Boolean> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(attempts)) {
      List<Future<Boolean>> futures = calls.stream().map(pool::submit).toList();
      go.countDown();
      for (Future<Boolean> f : futures) {
        results.add(f.get());
      }
    }

    assertThat(results).containsOnlyOnce(true);
    assertThat(store.devices()).hasSize(1);
  }

  @Test
  void devices_are_found_by_id_and_credential_hash() {
    enroll("dev-1", Map.of("site", "lab", "arch", "arm64"));

    DeviceView view = store.device("dev-1").orElseThrow();

    assertThat(view)
        .isEqualTo(
            new DeviceView(
                "dev-1", "name-dev-1", Map.of("site", "lab", "arch", "arm64"), T0, null, null, 0));
    assertThat(store.deviceIdByCredential("cred-dev-1")).contains("dev-1");
    assertThat(store.deviceIdByCredential("cred-nobody")).isEmpty();
    assertThat(store.device("dev-2")).isEmpty();
  }

  @Test
  void last_seen_only_moves_forward() {
    enroll("dev-1", Map.of());

    store.touchDevice("dev-1", T0.plusSeconds(10));
    store.touchDevice("dev-1", T0.plusSeconds(5));

    assertThat(store.device("dev-1").orElseThrow().lastSeenAt()).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void reported_state_round_trips() {
    enroll("dev-1", Map.of());
    ReportedState state =
        new ReportedState(
            "0.1.0",
            List.of(new ModelReport("iris", 2L, List.of(1L, 2L), 3L, "bad input shape", 7L)),
            42,
            1);

    store.saveReported("dev-1", state, T0.plusSeconds(1));

    assertThat(store.device("dev-1").orElseThrow().reported()).isEqualTo(state);
  }

  @Test
  void reported_labels_replace_the_devices_labels() {
    enroll("dev-1", Map.of("site", "lab"));

    store.saveReported(
        "dev-1",
        new ReportedState("0.1.0", List.of(), 0, 0, Map.of("site", "plant-3", "line", "2")),
        T0.plusSeconds(1));

    assertThat(store.device("dev-1").orElseThrow().labels())
        .isEqualTo(Map.of("site", "plant-3", "line", "2"));
  }

  @Test
  void a_report_without_labels_keeps_the_devices_labels() {
    enroll("dev-1", Map.of("site", "lab"));

    store.saveReported("dev-1", new ReportedState("0.1.0", List.of(), 0, 0), T0.plusSeconds(1));

    assertThat(store.device("dev-1").orElseThrow().labels()).isEqualTo(Map.of("site", "lab"));
  }

  @Test
  void a_batch_key_is_recorded_once() {
    enroll("dev-1", Map.of());

    BatchAck first = store.recordBatch("dev-1", "k1", records(1, 3), T0);
    BatchAck again = store.recordBatch("dev-1", "k1", records(1, 3), T0);

    assertThat(first).isEqualTo(new BatchAck(3, false));
    assertThat(again).isEqualTo(new BatchAck(0, true));
    assertThat(store.device("dev-1").orElseThrow().predictionsSynced()).isEqualTo(3);
  }

  @Test
  void overlapping_sequences_are_stored_once_per_device() {
    enroll("dev-1", Map.of());
    enroll("dev-2", Map.of());

    store.recordBatch("dev-1", "k1", records(1, 5), T0);
    BatchAck overlap = store.recordBatch("dev-1", "k2", records(3, 7), T0);
    BatchAck otherDevice = store.recordBatch("dev-2", "k1", records(1, 5), T0);

    assertThat(overlap).isEqualTo(new BatchAck(2, false));
    assertThat(otherDevice).isEqualTo(new BatchAck(5, false));
    assertThat(store.device("dev-1").orElseThrow().predictionsSynced()).isEqualTo(7);
  }

  @Test
  void prediction_records_round_trip_in_sequence_order() {
    enroll("dev-1", Map.of());
    store.recordBatch("dev-1", "k1", records(4, 6), T0);
    store.recordBatch("dev-1", "k2", records(1, 3), T0);

    List<PredictionRecord> page = store.predictions("dev-1", 2, 3);

    assertThat(page).isEqualTo(records(3, 5));
    assertThat(store.predictions("dev-1", 6, 10)).isEmpty();
  }

  @Test
  void concurrent_batches_are_stored_exactly_once() throws Exception {
    enroll("dev-1", Map.of());
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
                      .accepted();
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
    assertThat(store.device("dev-1").orElseThrow().predictionsSynced()).isEqualTo(distinct);
  }
}
