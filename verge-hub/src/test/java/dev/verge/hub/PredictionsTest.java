package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.PredictionAggregates;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionPage;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

class PredictionsTest {
  @TempDir Path dir;
  TestHub hub;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresPredictionsTest}. */
  TestHub startHub(Path dir) {
    return TestHub.start(dir);
  }

  @BeforeEach
  void start() {
    hub = startHub(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  static PredictionBatch batch(long fromSequence, long toSequence) {
    return new PredictionBatch(
        LongStream.rangeClosed(fromSequence, toSequence)
            .mapToObj(
                s ->
                    new PredictionRecord(
                        s,
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(s),
                        "iris",
                        1,
                        250,
                        "req-" + s,
                        Json.tree("{\"output\": [0.1, 0.9]}".getBytes())))
            .toList());
  }

  private static HubClient.Reply send(TestHub.Device device, String key, PredictionBatch batch) {
    return device
        .http()
        .post(ApiPaths.predictions(device.id()), batch, ApiPaths.IDEMPOTENCY_KEY, key);
  }

  private long synced(TestHub.Device device) {
    return hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).predictionsSynced();
  }

  @Test
  void inputs_a_device_captures_are_stored_with_the_outputs() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    PredictionRecord withInputs =
        new PredictionRecord(
            1,
            Instant.parse("2026-01-01T00:00:00Z"),
            "iris",
            1,
            250,
            "req-1",
            Json.tree("[{\"name\":\"p\",\"data\":[0.1,0.9]}]".getBytes()),
            Json.tree("[{\"name\":\"x\",\"shape\":[1,2],\"data\":[8.3,7.5]}]".getBytes()));
    PredictionRecord without = batch(2, 2).records().getFirst();

    HubClient.Reply reply = send(device, "k1", new PredictionBatch(List.of(withInputs, without)));

    assertThat(reply.status()).isEqualTo(200);
    try (var db = hub.openStore()) {
      List<dev.verge.hub.telemetry.Prediction> stored =
          new dev.verge.hub.telemetry.SqlTelemetryStore(db).predictions(device.id(), 0, 10);
      assertThat(stored).hasSize(2);
      assertThat(stored.get(0).inputs()).isEqualTo(withInputs.inputs());
      assertThat(stored.get(0).outputs()).isEqualTo(withInputs.outputs());
      assertThat(stored.get(1).inputs()).isNull();
    }
  }

  @Test
  void a_batch_without_idempotency_key_is_400() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    HubClient.Reply reply = device.http().post(ApiPaths.predictions(device.id()), batch(1, 2));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("Idempotency-Key");
  }

  @Test
  void an_idempotency_key_over_200_characters_is_400() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    assertThat(send(device, "k".repeat(201), batch(1, 1)).status()).isEqualTo(400);
  }

  @Test
  void the_same_key_twice_is_acknowledged_as_a_duplicate() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    HubClient.Reply first = send(device, "batch-1", batch(1, 5));
    HubClient.Reply again = send(device, "batch-1", batch(1, 5));

    assertThat(first.status()).isEqualTo(200);
    assertThat(first.as(BatchAck.class)).isEqualTo(new BatchAck(5, false));
    assertThat(again.as(BatchAck.class)).isEqualTo(new BatchAck(0, true));
    assertThat(synced(device)).isEqualTo(5);
  }

  @Test
  void overlapping_sequences_are_stored_once() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    send(device, "batch-1", batch(1, 5));
    BatchAck overlap = send(device, "batch-2", batch(4, 8)).as(BatchAck.class);

    assertThat(overlap).isEqualTo(new BatchAck(3, false));
    assertThat(synced(device)).isEqualTo(8);
  }

  @Test
  void a_record_without_model_is_400_naming_it() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    PredictionBatch bad =
        new PredictionBatch(
            List.of(new PredictionRecord(1, Instant.EPOCH, null, 1, 0, null, null)));

    HubClient.Reply reply = send(device, "k", bad);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("records[0].model");
  }

  @Test
  void concurrent_batches_from_several_threads_are_all_stored_exactly_once() throws Exception {
    List<TestHub.Device> devices =
        List.of(hub.enroll("a", Map.of()), hub.enroll("b", Map.of()), hub.enroll("c", Map.of()));
    int threadsPerDevice = 4;
    int batches = 10;
    int size = 20;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<List<Integer>>> senders = new ArrayList<>();
    for (TestHub.Device device : devices) {
      for (int t = 0; t < threadsPerDevice; t++) {
        int thread = t;
        senders.add(
            () -> {
              go.await();
              List<Integer> statuses = new ArrayList<>();
              for (int b = 0; b < batches; b++) {
                // Threads of one device send overlapping sequences under their own keys, and
                // every batch is sent twice, as a retrying agent would.
                long from = (long) b * size + thread * (size / 2);
                String key = "t" + thread + "-b" + b;
                statuses.add(send(device, key, batch(from, from + size - 1)).status());
                statuses.add(send(device, key, batch(from, from + size - 1)).status());
              }
              return statuses;
            });
      }
    }
    List<Integer> statuses = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(senders.size())) {
      List<Future<List<Integer>>> futures = senders.stream().map(pool::submit).toList();
      go.countDown();
      for (Future<List<Integer>> f : futures) {
        statuses.addAll(f.get());
      }
    }

    assertThat(statuses).hasSize(devices.size() * threadsPerDevice * batches * 2).containsOnly(200);
    long highest = (long) (batches - 1) * size + (threadsPerDevice - 1) * (size / 2) + size - 1;
    for (TestHub.Device device : devices) {
      assertThat(synced(device)).isEqualTo(highest + 1);
    }
  }

  // Reads per model version.

  private static final String IRIS_1 = ApiPaths.modelVersion("iris", 1);

  @Test
  void a_versions_predictions_come_a_page_at_a_time_oldest_first() {
    hub.publish("iris", 1);
    TestHub.Device a = hub.enroll("a", Map.of());
    TestHub.Device b = hub.enroll("b", Map.of());
    send(a, "k1", batch(1, 3));
    send(b, "k1", batch(2, 4));

    PredictionPage first =
        hub.admin()
            .get(IRIS_1 + ApiPaths.VERSION_PREDICTIONS_SUFFIX + "?limit=4")
            .as(PredictionPage.class);
    PredictionPage second =
        hub.admin()
            .get(IRIS_1 + ApiPaths.VERSION_PREDICTIONS_SUFFIX + "?limit=4&cursor=" + first.next())
            .as(PredictionPage.class);
    PredictionPage oneDevice =
        hub.admin()
            .get(
                IRIS_1
                    + ApiPaths.VERSION_PREDICTIONS_SUFFIX
                    + "?device="
                    + b.id()
                    + "&from=2026-01-01T00:00:03Z&to=2026-01-01T00:00:05Z")
            .as(PredictionPage.class);

    String[] byTime = {a.id(), b.id()};
    java.util.Arrays.sort(byTime);
    assertThat(first.predictions())
        .extracting(p -> p.deviceId() + "/" + p.record().sequence())
        .containsExactly(a.id() + "/1", byTime[0] + "/2", byTime[1] + "/2", byTime[0] + "/3");
    assertThat(first.next()).isNotNull();
    assertThat(second.predictions())
        .extracting(p -> p.deviceId() + "/" + p.record().sequence())
        .containsExactly(byTime[1] + "/3", b.id() + "/4");
    assertThat(second.next()).isNull();
    assertThat(second.predictions().getLast().record()).isEqualTo(batch(4, 4).records().getFirst());
    assertThat(oneDevice.predictions())
        .extracting(p -> p.record().sequence())
        .containsExactly(3L, 4L);
  }

  @Test
  void a_versions_aggregates_give_count_and_latency_per_bucket() {
    hub.publish("iris", 1);
    TestHub.Device a = hub.enroll("a", Map.of());
    send(a, "k1", batch(1, 3));
    send(a, "k2", batch(3600, 3601));

    PredictionAggregates hours =
        hub.admin()
            .get(
                IRIS_1
                    + ApiPaths.AGGREGATES_SUFFIX
                    + "?bucket=1h&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z")
            .as(PredictionAggregates.class);

    assertThat(hours.bucket()).isEqualTo("1h");
    assertThat(hours.buckets())
        .containsExactly(
            new PredictionAggregates.Bucket(
                Instant.parse("2026-01-01T00:00:00Z"), 3, 250, 250, 250, 250, 250, 250),
            new PredictionAggregates.Bucket(
                Instant.parse("2026-01-01T01:00:00Z"), 2, 250, 250, 250, 250, 250, 250));
  }

  @Test
  void reading_an_unknown_version_is_404_and_without_the_admin_token_401() {
    hub.publish("iris", 1);
    TestHub.Device a = hub.enroll("a", Map.of());

    assertThat(
            hub.admin()
                .get(ApiPaths.modelVersion("iris", 9) + ApiPaths.VERSION_PREDICTIONS_SUFFIX)
                .status())
        .isEqualTo(404);
    assertThat(hub.anonymous().get(IRIS_1 + ApiPaths.AGGREGATES_SUFFIX).status()).isEqualTo(401);
    assertThat(a.http().get(IRIS_1 + ApiPaths.VERSION_PREDICTIONS_SUFFIX).status()).isIn(401, 403);
  }

  @Test
  void malformed_read_parameters_are_400_naming_what_was_wrong() {
    hub.publish("iris", 1);
    String list = IRIS_1 + ApiPaths.VERSION_PREDICTIONS_SUFFIX;
    String aggregates = IRIS_1 + ApiPaths.AGGREGATES_SUFFIX;
    Map<String, String> refusals = new java.util.LinkedHashMap<>();
    refusals.put(list + "?limit=0", "limit must be a whole number from 1 to 1000, got '0'");
    refusals.put(list + "?limit=1001", "limit must be a whole number from 1 to 1000");
    refusals.put(list + "?limit=ten", "limit must be a whole number");
    refusals.put(list + "?from=yesterday", "from must be an ISO-8601 instant");
    refusals.put(list + "?to=2026-13-01T00:00:00Z", "to must be an ISO-8601 instant");
    refusals.put(
        list + "?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from must be before to");
    refusals.put(list + "?cursor=bm9wZQ", "cursor is not one this hub handed out");
    refusals.put(list + "?cursor=%25%25", "cursor is not one this hub handed out");
    refusals.put(list + "?device=", "device must not be empty");
    refusals.put(aggregates + "?bucket=5m", "bucket must be one of 1m, 1h or 1d, got '5m'");
    refusals.put(
        aggregates + "?bucket=1m&from=2026-01-01T00:00:00Z&to=2026-01-03T00:00:00Z",
        "spans 2880 buckets of 1m; at most 1440");
    refusals.put(aggregates + "?from=2026-01-01T00:00:00", "from must be an ISO-8601 instant");

    refusals.forEach(
        (path, message) -> {
          HubClient.Reply reply = hub.admin().get(path);
          assertThat(reply.status()).as(path).isEqualTo(400);
          assertThat(reply.error()).as(path).contains(message);
        });
  }

  @Test
  void a_record_with_a_time_past_year_9999_is_400_naming_it() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    PredictionBatch bad =
        new PredictionBatch(
            List.of(
                new PredictionRecord(
                    1, Instant.parse("+10000-01-01T00:00:00Z"), "iris", 1, 0, null, null)));

    HubClient.Reply reply = send(device, "k", bad);

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("records[0].time must be from 0001-01-01T00:00:00Z");
  }
}
