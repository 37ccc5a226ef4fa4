package dev.verge.agent.forward;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.FakeHub;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Identity;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.sync.HubClient;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionForwarderTest {
  @TempDir Path dir;

  private final FakeHub hub = new FakeHub();
  private final HubClient client =
      new HubClient(hub.url()).as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL));
  private AgentStore store;
  private PredictionForwarder forwarder;

  @BeforeEach
  void setUp() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    forwarder = new PredictionForwarder(store, client, FakeHub.DEVICE_ID, 2, Duration.ofHours(1));
  }

  @AfterEach
  void tearDown() {
    forwarder.close();
    store.close();
    client.close();
    hub.close();
  }

  @Test
  void sends_oldest_first_in_batches_keyed_by_sequence_range() {
    record(5);

    ForwardOutcome outcome = forwarder.flush();

    assertThat(outcome).isEqualTo(new ForwardOutcome.Drained(5));
    assertThat(hub.batches().keySet()).containsExactly("dev-1:1-2", "dev-1:3-4", "dev-1:5-5");
    assertThat(hub.predictions())
        .extracting(PredictionRecord::requestId)
        .containsExactly("r0", "r1", "r2", "r3", "r4");
    assertThat(store.counters().pending()).isZero();
    assertThat(forwarder.flush()).isEqualTo(new ForwardOutcome.Drained(0));
  }

  @Test
  void a_batch_resent_after_a_crash_is_harmless() {
    record(2);
    List<PredictionRecord> batch = store.unsynced(2);
    String key = PredictionForwarder.idempotencyKey(FakeHub.DEVICE_ID, 1, 2);
    // The agent sent the batch, then died before it could mark it synced.
    assertThat(client.sendPredictions(key, new PredictionBatch(batch)))
        .isEqualTo(new BatchAck(2, false));
    assertThat(store.counters().pending()).isEqualTo(2);

    ForwardOutcome afterRestart = forwarder.flush();

    assertThat(afterRestart).isEqualTo(new ForwardOutcome.Drained(2));
    assertThat(hub.calls("POST", "/predictions"))
        .extracting(FakeHub.Call::idempotencyKey)
        .containsExactly(key, key);
    assertThat(hub.predictions()).hasSize(2);
    assertThat(store.counters().pending()).isZero();
  }

  @Test
  void stops_at_the_first_hub_error_and_retries_next_round() {
    record(3);
    hub.failPredictionBatches.set(1);

    ForwardOutcome failed = forwarder.flush();

    assertThat(failed).isInstanceOf(ForwardOutcome.Stopped.class);
    assertThat(((ForwardOutcome.Stopped) failed).error()).contains("500 database is down");
    assertThat(failed.forwarded()).isZero();
    assertThat(store.counters().pending()).isEqualTo(3);
    assertThat(hub.predictions()).isEmpty();

    assertThat(forwarder.flush()).isEqualTo(new ForwardOutcome.Drained(3));
    assertThat(hub.predictions()).hasSize(3);
    assertThat(store.counters().pending()).isZero();
  }

  @Test
  void forwards_in_the_background_every_interval() {
    PredictionForwarder background =
        new PredictionForwarder(store, client, FakeHub.DEVICE_ID, 100, Duration.ofMillis(20));
    background.start();
    try {
      record(3);

      dev.verge.agent.Eventually.await(
          "predictions forwarded", () -> store.counters().pending() == 0);

      assertThat(hub.predictions()).hasSize(3);
    } finally {
      background.close();
    }
  }

  @Test
  void sets_aside_a_record_the_hub_refuses_and_forwards_the_rest() {
    record(5);
    hub.refusedRequestIds.add("r2");

    ForwardOutcome outcome = forwarder.flush();

    assertThat(outcome).isInstanceOf(ForwardOutcome.Drained.class);
    assertThat(hub.predictions())
        .extracting(PredictionRecord::requestId)
        .containsExactly("r0", "r1", "r3", "r4");
    assertThat(store.unsynced(10)).isEmpty();
    assertThat(store.counters().served()).isEqualTo(5);
  }

  @Test
  void splits_batches_the_hub_finds_too_large() {
    forwarder.close();
    forwarder = new PredictionForwarder(store, client, FakeHub.DEVICE_ID, 8, Duration.ofHours(1));
    record(5);
    hub.maxBatchRecords = 2;

    forwarder.flush();

    assertThat(hub.predictions()).hasSize(5);
    assertThat(hub.batches().values()).allMatch(size -> size <= 2);
    assertThat(store.unsynced(10)).isEmpty();
  }

  @Test
  void records_with_large_inputs_go_in_batches_bounded_by_bytes() {
    // Three records of ~1.5 MiB of inputs each: at most two fit a batch's 4 MiB.
    String inputs = "[{\"name\":\"x\",\"data\":[\"" + "x".repeat(1_500_000) + "\"]}]";
    PredictionForwarder wide =
        new PredictionForwarder(store, client, FakeHub.DEVICE_ID, 500, Duration.ofHours(1));
    for (int i = 0; i < 3; i++) {
      store.record(new Prediction(Instant.now(), "pump", 1, 10, "big" + i, "[]", inputs));
    }

    assertThat(wide.flush()).isEqualTo(new ForwardOutcome.Drained(3));

    assertThat(hub.batches().keySet()).containsExactly("dev-1:1-2", "dev-1:3-3");
    assertThat(hub.predictions().getFirst().inputs().get(0).path("name").asText()).isEqualTo("x");
    assertThat(store.unsynced(10, 1)).isEmpty();
  }

  @Test
  void the_store_returns_the_first_record_whatever_its_size() {
    record(3);

    assertThat(store.unsynced(10, 1)).hasSize(1);
    assertThat(store.unsynced(10, 4)).hasSize(2); // "[]" is two bytes a record
  }

  /** A forwarder of this test's store and hub, with batches of {@code batchSize}. */
  private PredictionForwarder forwarder(
      int batchSize, Duration interval, ForwardMetrics metrics, ForwardConfig config) {
    return new PredictionForwarder(
        store, client, FakeHub.DEVICE_ID, batchSize, interval, metrics, config);
  }

  private void record(int count) {
    for (int i = 0; i < count; i++) {
      store.record(
          new Prediction(Instant.now(), "pump", 1, 10, "r" + i, Json.mapper().createArrayNode()));
    }
  }

  @Test
  void batches_go_compressed_and_shrink_on_the_wire() {
    Uploads uploads = new Uploads();
    PredictionForwarder compressed =
        forwarder(100, Duration.ofHours(1), uploads, ForwardConfig.defaults());
    String outputs =
        "[{\"name\":\"p\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[0.25,0.75]}]";
    for (int i = 0; i < 50; i++) {
      store.record(new Prediction(Instant.now(), "pump", 1, 10, "r" + i, outputs, null));
    }

    assertThat(compressed.flush()).isEqualTo(new ForwardOutcome.Drained(50));

    assertThat(hub.batchEncodings).containsExactly("gzip");
    assertThat(hub.predictions()).hasSize(50);
    assertThat(hub.predictions().getFirst().outputs().get(0).path("data").get(1).asDouble())
        .isEqualTo(0.75);
    assertThat(uploads.wire).isLessThan(uploads.json / 4);
  }

  @Test
  void a_hub_that_refuses_compressed_batches_gets_them_plain_from_then_on() {
    hub.refuseCompressedBatches = true;
    PredictionForwarder compressed =
        forwarder(100, Duration.ofHours(1), ForwardMetrics.NONE, ForwardConfig.defaults());
    String outputs = "[{\"name\":\"p\",\"data\":[\"" + "x".repeat(2_000) + "\"]}]";
    store.record(new Prediction(Instant.now(), "pump", 1, 10, "a", outputs, null));
    assertThat(compressed.flush()).isEqualTo(new ForwardOutcome.Drained(1));
    store.record(new Prediction(Instant.now(), "pump", 1, 10, "b", outputs, null));
    assertThat(compressed.flush()).isEqualTo(new ForwardOutcome.Drained(1));

    assertThat(hub.batchEncodings).containsExactly("gzip", "identity", "identity");
    assertThat(hub.predictions()).extracting(PredictionRecord::requestId).containsExactly("a", "b");
  }

  @Test
  void small_batches_go_as_they_are() {
    PredictionForwarder compressed =
        forwarder(100, Duration.ofHours(1), ForwardMetrics.NONE, ForwardConfig.defaults());
    store.record(new Prediction(Instant.now(), "pump", 1, 10, "a", "[]", null));

    assertThat(compressed.flush()).isEqualTo(new ForwardOutcome.Drained(1));

    assertThat(hub.batchEncodings).containsExactly("identity");
  }

  @Test
  void metered_forwarding_sends_nothing_and_keeps_every_prediction() throws InterruptedException {
    PredictionForwarder metered =
        forwarder(
            100,
            Duration.ofMillis(20),
            ForwardMetrics.NONE,
            ForwardConfig.defaults().withMode(ForwardConfig.Mode.METERED));
    record(4);

    assertThat(metered.flush()).isEqualTo(new ForwardOutcome.Held(4));
    metered.start();
    try {
      record(1);
      // Ten background rounds, and still nothing went.
      Thread.sleep(200);
    } finally {
      metered.close();
    }

    assertThat(hub.calls("POST", "/predictions")).isEmpty();
    assertThat(store.counters().pending()).isEqualTo(5);
    // Back on an unmetered link, what was kept goes.
    assertThat(forwarder.flush()).isEqualTo(new ForwardOutcome.Drained(5));
  }

  @Test
  void an_upload_cap_holds_batches_to_its_rate() {
    // 300 kB of JSON, uncompressed, at 100 kB/s: the first second's worth goes at once, the rest
    // takes at least two seconds.
    PredictionForwarder capped =
        forwarder(
            500,
            Duration.ofHours(1),
            ForwardMetrics.NONE,
            new ForwardConfig(ForwardConfig.Mode.ALL, false, 100_000));
    String outputs = "[{\"name\":\"p\",\"data\":[\"" + "x".repeat(30_000) + "\"]}]";
    for (int i = 0; i < 10; i++) {
      store.record(new Prediction(Instant.now(), "pump", 1, 10, "r" + i, outputs, null));
    }

    long started = System.nanoTime();
    assertThat(capped.flush()).isEqualTo(new ForwardOutcome.Drained(10));
    double seconds = (System.nanoTime() - started) / 1e9;

    assertThat(hub.predictions()).hasSize(10);
    assertThat(seconds).isGreaterThanOrEqualTo(1.8);
  }

  /** Counts what went up. */
  private static final class Uploads implements ForwardMetrics {
    long json;
    long wire;

    @Override
    public void forwarded(int count) {}

    @Override
    public void setAside(int count) {}

    @Override
    public void uploaded(long jsonBytes, long wireBytes) {
      json += jsonBytes;
      wire += wireBytes;
    }
  }

  /**
   * Issue 9: the forwarder retried a failing hub every interval; failed rounds in a row now wait a
   * doubling, jittered back-off, which a round that forwards again starts over.
   */
  @Test
  void failed_rounds_in_a_row_wait_a_doubling_back_off_and_a_round_that_forwards_resets_it() {
    PredictionForwarder backingOff =
        new PredictionForwarder(store, client, FakeHub.DEVICE_ID, 2, Duration.ofSeconds(5));
    ForwardOutcome failed = new ForwardOutcome.Stopped(0, "hub down");

    assertThat(backingOff.nextWait(failed)).isBetween(seconds(4), seconds(6));
    assertThat(backingOff.nextWait(failed)).isBetween(seconds(8), seconds(12));
    assertThat(backingOff.nextWait(null)).isBetween(seconds(16), seconds(24));
    for (int i = 0; i < 10; i++) {
      backingOff.nextWait(failed);
    }
    assertThat(backingOff.nextWait(failed))
        .isBetween(seconds(96), seconds(144)); // the 2 min cap, ±20 %

    // Some forwarded before the hub failed: progress, so the back-off starts over.
    assertThat(backingOff.nextWait(new ForwardOutcome.Stopped(3, "hub down")))
        .isBetween(seconds(4), seconds(6));
    assertThat(backingOff.nextWait(new ForwardOutcome.Drained(1))).isEqualTo(seconds(5));
    assertThat(backingOff.nextWait(failed)).isBetween(seconds(4), seconds(6));
  }

  private static Duration seconds(long n) {
    return Duration.ofSeconds(n);
  }
}
