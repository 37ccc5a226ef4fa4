package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.PredictionBatch;
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
}
