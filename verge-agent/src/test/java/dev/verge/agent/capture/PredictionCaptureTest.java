package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Eventually;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.store.StoreFullException;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictionCaptureTest {
  private static final Duration DRAIN = Duration.ofSeconds(10);
  private static final List<Tensor> INPUTS =
      List.of(new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {8.3f, 7.5f}));
  private static final List<Tensor> OUTPUTS =
      List.of(
          new Tensor(
              "probabilities", DataType.FP32, new long[] {1, 2}, new float[] {0.25f, 0.75f}));

  @TempDir Path dir;
  private SqliteAgentStore real;
  private GatedStore store;
  private final CountingMetrics metrics = new CountingMetrics();
  private final List<PredictionCapture> captures = new ArrayList<>();

  @BeforeEach
  void open() {
    real = SqliteAgentStore.open(dir.resolve("agent.db"));
    store = new GatedStore(real);
  }

  @AfterEach
  void close() {
    store.open();
    captures.forEach(PredictionCapture::close);
    real.close();
  }

  private PredictionCapture capture(CaptureConfig config) {
    PredictionCapture capture = PredictionCapture.start(store, config, metrics);
    captures.add(capture);
    return capture;
  }

  private static void serve(PredictionCapture capture, String model, String id) {
    capture.served(model, 1, id, Instant.now(), 42, INPUTS, OUTPUTS);
  }

  @Test
  void many_records_share_one_transaction() {
    PredictionCapture capture = capture(CaptureConfig.defaults());
    store.hold();
    serve(capture, "pump", "first");
    Eventually.await("the writer holds the first record", () -> store.entered.getCount() == 0);
    for (int i = 0; i < 200; i++) {
      serve(capture, "pump", "r" + i);
    }

    store.open();

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(1000)).hasSize(201);
    // The first record alone, then the 200 that waited meanwhile in one (MAX_BATCH is 1024).
    assertThat(store.transactions.get()).isEqualTo(2);
    assertThat(real.counters()).isEqualTo(new Counters(201, 0, 201));
  }

  @Test
  void records_that_arrive_while_the_writer_gathers_share_one_commit() throws Exception {
    PredictionCapture capture =
        PredictionCapture.start(
            store, CaptureConfig.defaults(), metrics, () -> 0, Duration.ofSeconds(2));
    captures.add(capture);

    // A steady trickle, one record at a time: without gathering, each would be its own commit.
    for (int i = 0; i < 5; i++) {
      serve(capture, "pump", "r" + i);
      Thread.sleep(20);
    }

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(10)).hasSize(5);
    assertThat(store.transactions.get()).isEqualTo(1);
  }

  @Test
  void a_buffered_commit_starts_once_the_batch_is_gathered_before_the_window_ends() {
    PredictionCapture capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults().withWindow(CaptureConfig.MAX_WINDOW, 10),
            metrics,
            () -> 0,
            Duration.ofMinutes(5));
    captures.add(capture);

    for (int i = 0; i < 25; i++) {
      serve(capture, "pump", "r" + i);
    }

    // Two batches of 10 go without waiting the 5 minutes of the window; the last 5 wait for it.
    Eventually.await(
        "two full batches committed",
        () -> real.unsynced(100).size() == 20 && store.transactions.get() == 2);
  }

  @Test
  void each_commit_reports_how_long_its_oldest_record_waited_the_window_a_power_cut_loses() {
    Duration window = Duration.ofMillis(300);
    PredictionCapture capture =
        PredictionCapture.start(store, CaptureConfig.defaults(), metrics, () -> 0, window);
    captures.add(capture);

    serve(capture, "pump", "waits");
    serve(capture, "pump", "waits-less");

    Eventually.await("the batch committed", () -> !metrics.commitsWithRecords.isEmpty());
    CountingMetrics.Commit commit = metrics.commitsWithRecords.getFirst();
    assertThat(commit.records()).isEqualTo(2);
    // The first record waited for the whole gather window, then for the commit itself.
    assertThat(commit.oldestWaited())
        .isGreaterThanOrEqualTo(window)
        .isGreaterThanOrEqualTo(commit.took());
    assertThat(commit.took()).isPositive();
  }

  @Test
  void the_mode_reads_buffered_sync_and_async_the_old_name_of_buffered() {
    assertThat(CaptureConfig.Mode.of("buffered")).isEqualTo(CaptureConfig.Mode.BUFFERED);
    assertThat(CaptureConfig.Mode.of("ASYNC")).isEqualTo(CaptureConfig.Mode.BUFFERED);
    assertThat(CaptureConfig.Mode.of("Sync")).isEqualTo(CaptureConfig.Mode.SYNC);
    assertThatThrownBy(() -> CaptureConfig.Mode.of("eventually"))
        .hasMessageContaining("'eventually' is not a capture mode");
  }

  @Test
  void a_synchronous_answer_does_not_wait_for_the_gathering() {
    PredictionCapture capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC),
            metrics,
            () -> 0,
            Duration.ofMinutes(5));
    captures.add(capture);

    long start = System.nanoTime();
    serve(capture, "pump", "durable");

    // Committed long before the 5 minutes an async record would wait for company.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    assertThat(real.unsynced(10)).hasSize(1);
  }

  @Test
  void async_answers_before_the_commit() {
    PredictionCapture capture = capture(CaptureConfig.defaults());
    store.hold();

    for (int i = 0; i < 3; i++) {
      serve(capture, "pump", "r" + i);
    }
    capture.failed();

    assertThat(real.unsynced(10)).isEmpty();
    store.open();
    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.counters()).isEqualTo(new Counters(3, 1, 3));
    assertThat(capture.counters()).isEqualTo(new Counters(3, 1, 3));
  }

  @Test
  void counters_never_run_backwards_or_ahead_while_records_are_written() throws Exception {
    CaptureConfig config =
        CaptureConfig.defaults().withPolicy(CapturePolicy.DEFAULT.withSampleRate(0.5));
    PredictionCapture capture = capture(config);
    AtomicInteger issued = new AtomicInteger();
    List<CompletableFuture<Void>> callers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      callers.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < 500; i++) {
                  issued.incrementAndGet();
                  serve(capture, "pump", null);
                }
              }));
    }
    long last = 0;
    while (!callers.stream().allMatch(CompletableFuture::isDone)) {
      long served = capture.counters().served();
      assertThat(served).isGreaterThanOrEqualTo(last).isLessThanOrEqualTo(issued.get());
      last = served;
    }
    for (CompletableFuture<Void> c : callers) {
      c.get(10, TimeUnit.SECONDS);
    }

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(capture.counters().served()).isEqualTo(2000);
    assertThat(real.counters().served()).isEqualTo(2000);
    assertThat(real.counters().pending()).isEqualTo(real.unsynced(5000).size());
  }

  @Test
  void sync_returns_once_the_record_is_committed() {
    PredictionCapture capture = capture(CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC));

    serve(capture, "pump", "durable");

    // Another connection sees only what is committed.
    try (SqliteAgentStore other = SqliteAgentStore.open(dir.resolve("agent.db"))) {
      assertThat(other.unsynced(10))
          .extracting(PredictionRecord::requestId)
          .containsExactly("durable");
    }
  }

  @Test
  void sync_waits_for_the_writer() throws Exception {
    PredictionCapture capture = capture(CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC));
    store.hold();

    CompletableFuture<Void> request =
        CompletableFuture.runAsync(() -> serve(capture, "pump", "waits"));
    Eventually.await("the writer holds the record", () -> store.entered.getCount() == 0);

    assertThat(request).isNotDone();
    store.open();
    request.get(10, TimeUnit.SECONDS);
    assertThat(real.unsynced(10)).hasSize(1);
  }

  @Test
  void sampling_records_the_share_asked_for_and_counts_every_request_served() {
    AtomicInteger draw = new AtomicInteger();
    CaptureConfig config =
        CaptureConfig.defaults().withPolicy(CapturePolicy.DEFAULT.withSampleRate(0.25));
    // Draws 0.00, 0.01, ... 0.99: a rate of 0.25 keeps exactly the 25 below it.
    PredictionCapture capture =
        PredictionCapture.start(
            store, config, metrics, () -> (draw.getAndIncrement() % 100) / 100.0);
    captures.add(capture);

    for (int i = 0; i < 100; i++) {
      serve(capture, "pump", "r" + i);
    }

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(1000)).hasSize(25);
    assertThat(real.counters()).isEqualTo(new Counters(100, 0, 25));
    assertThat(metrics.sampledOut).hasValue(75);
  }

  @Test
  void past_its_records_a_second_a_model_is_counted_without_records() {
    CaptureConfig config =
        CaptureConfig.defaults().withPolicy(CapturePolicy.DEFAULT.withMaxRate(10));
    PredictionCapture capture = capture(config);

    // Far faster than 10 a second: the first second's burst is recorded, the rest only counted.
    for (int i = 0; i < 200; i++) {
      serve(capture, "pump", "r" + i);
    }

    assertThat(capture.drain(DRAIN)).isTrue();
    int recorded = real.unsynced(1000).size();
    assertThat(recorded).isBetween(10, 40);
    assertThat(metrics.rateLimited.get()).isEqualTo(200 - recorded);
    assertThat(real.counters().served()).isEqualTo(200);
  }

  @Test
  void a_rate_of_zero_records_nothing() {
    PredictionCapture capture =
        capture(CaptureConfig.defaults().withPolicy(CapturePolicy.DEFAULT.withSampleRate(0)));

    for (int i = 0; i < 10; i++) {
      serve(capture, "pump", "r" + i);
    }

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(100)).isEmpty();
    assertThat(real.counters().served()).isEqualTo(10);
  }

  @Test
  void inputs_are_recorded_for_the_models_whose_policy_asks() {
    CaptureConfig config =
        CaptureConfig.defaults()
            .withModels(Map.of("vision", CapturePolicy.DEFAULT.with("inputs=true")));
    PredictionCapture capture = capture(config);

    serve(capture, "vision", "with-inputs");
    serve(capture, "pump", "outputs-only");

    assertThat(capture.drain(DRAIN)).isTrue();
    List<PredictionRecord> records = real.unsynced(10);
    JsonNode inputs = records.get(0).inputs();
    assertThat(inputs.get(0).path("name").asText()).isEqualTo("input");
    assertThat(inputs.get(0).path("datatype").asText()).isEqualTo("FP32");
    assertThat(inputs.get(0).path("shape").toString()).isEqualTo("[1,2]");
    assertThat(inputs.get(0).path("data").get(0).floatValue()).isEqualTo(8.3f);
    assertThat(records.get(0).outputs().get(0).path("data").get(1).floatValue()).isEqualTo(0.75f);
    assertThat(records.get(1).inputs()).isNull();
    assertThat(records.get(1).outputs().get(0).path("name").asText()).isEqualTo("probabilities");
  }

  @Test
  void a_record_over_its_cap_keeps_the_outputs_and_leaves_out_the_inputs_data() {
    Tensor bigInput = new Tensor("image", DataType.FP32, new long[] {1, 1000}, new float[1000]);
    CaptureConfig config = CaptureConfig.defaults().withPolicy(new CapturePolicy(true, 1, 1024));
    PredictionCapture capture = capture(config);

    capture.served("vision", 1, "big", Instant.now(), 1, List.of(bigInput), OUTPUTS);

    assertThat(capture.drain(DRAIN)).isTrue();
    PredictionRecord record = real.unsynced(1).getFirst();
    assertThat(record.outputs().get(0).path("data").size()).isEqualTo(2);
    JsonNode input = record.inputs().get(0);
    assertThat(input.has("data")).isFalse();
    assertThat(input.path("shape").toString()).isEqualTo("[1,1000]");
    assertThat(input.path("parameters").path("data_omitted").asText())
        .contains("record cap of 1024 bytes");
    assertThat(metrics.omitted).hasValue(1);
  }

  @Test
  void outputs_over_the_cap_keep_their_shape_without_data() {
    // 300 values of 0.123456 take ~2.4 KB of JSON: over 1 KiB, though they could fit by count.
    float[] values = new float[300];
    java.util.Arrays.fill(values, 0.123456f);
    Tensor big = new Tensor("scores", DataType.FP32, new long[] {300}, values);
    PredictionCapture capture =
        capture(
            CaptureConfig.defaults().withPolicy(CapturePolicy.DEFAULT.withMaxRecordBytes(1024)));

    capture.served("pump", 1, "big", Instant.now(), 1, INPUTS, List.of(big));

    assertThat(capture.drain(DRAIN)).isTrue();
    PredictionRecord record = real.unsynced(1).getFirst();
    assertThat(record.outputs().get(0).has("data")).isFalse();
    assertThat(record.outputs().get(0).path("datatype").asText()).isEqualTo("FP32");
    assertThat(record.inputs()).isNull();
    assertThat(metrics.omitted).hasValue(1);
  }

  @Test
  void a_full_queue_drops_when_so_configured_and_counts_it() {
    PredictionCapture capture =
        capture(CaptureConfig.defaults().withQueue(2, CaptureConfig.WhenFull.DROP));
    store.hold();
    serve(capture, "pump", "held");
    Eventually.await("the writer holds a record", () -> store.entered.getCount() == 0);

    for (int i = 0; i < 5; i++) {
      serve(capture, "pump", "r" + i);
    }

    // The record in the writer's hands holds one of the two slots until it is committed.
    assertThat(metrics.dropped).containsEntry("queue_full", 4);
    assertThat(capture.queued()).isEqualTo(2);
    store.open();
    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(10))
        .extracting(PredictionRecord::requestId)
        .containsExactly("held", "r0");
    assertThat(real.counters().served()).isEqualTo(6);
  }

  @Test
  void a_full_queue_makes_the_request_wait_for_room_by_default() throws Exception {
    PredictionCapture capture =
        capture(CaptureConfig.defaults().withQueue(2, CaptureConfig.WhenFull.WAIT));
    store.hold();
    serve(capture, "pump", "held");
    Eventually.await("the writer holds a record", () -> store.entered.getCount() == 0);
    serve(capture, "pump", "queued");

    CompletableFuture<Void> waiting =
        CompletableFuture.runAsync(() -> serve(capture, "pump", "waits"));
    Eventually.await("the request waits for room", () -> metrics.waits.get() == 1);

    assertThat(waiting).isNotDone();
    store.open();
    waiting.get(10, TimeUnit.SECONDS);
    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(10)).hasSize(3);
    assertThat(metrics.dropped).isEmpty();
  }

  @Test
  void the_writer_survives_an_error_retries_and_reports_it() {
    PredictionCapture capture = capture(CaptureConfig.defaults());
    store.failNext(1, new OutOfMemoryError("a test's Error"));

    serve(capture, "pump", "survives");

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(10))
        .extracting(PredictionRecord::requestId)
        .containsExactly("survives");
    assertThat(metrics.writerFailures.get()).isEqualTo(1);
  }

  @Test
  void records_the_store_keeps_failing_are_dropped_and_counted_then_recording_goes_on() {
    PredictionCapture capture = capture(CaptureConfig.defaults());
    store.failNext(CaptureWriter.MAX_ATTEMPTS, new IllegalStateException("a test's failure"));

    serve(capture, "pump", "lost");
    assertThat(capture.drain(DRAIN)).isTrue();
    serve(capture, "pump", "kept");

    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(metrics.dropped).containsEntry("capture_failed", 1);
    assertThat(metrics.writerFailures.get()).isEqualTo(CaptureWriter.MAX_ATTEMPTS);
    assertThat(real.unsynced(10)).extracting(PredictionRecord::requestId).containsExactly("kept");
    assertThat(real.counters().served()).as("the lost one was answered").isEqualTo(2);
  }

  @Test
  void sync_refuses_the_request_whose_record_cannot_be_written() {
    PredictionCapture capture = capture(CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC));
    store.failNext(CaptureWriter.MAX_ATTEMPTS, new IllegalStateException("disk I/O error"));

    assertThatThrownBy(() -> serve(capture, "pump", "refused"))
        .hasMessageContaining("disk I/O error");
    assertThat(real.unsynced(10)).isEmpty();
  }

  @Test
  void close_writes_what_is_queued() {
    PredictionCapture capture = PredictionCapture.start(store, CaptureConfig.defaults(), metrics);
    store.hold();
    for (int i = 0; i < 50; i++) {
      serve(capture, "pump", "r" + i);
    }
    capture.failed();

    store.open();
    capture.close();

    assertThat(real.counters()).isEqualTo(new Counters(50, 1, 50));
  }

  @Test
  void a_full_store_refuses_new_records_and_writes_the_answered_ones_once_there_is_room() {
    store.close();
    real = SqliteAgentStore.open(dir.resolve("budget.db"), 256 * 1024);
    store = new GatedStore(real);
    // A small queue keeps the backlog that waits for room (and the test) short.
    PredictionCapture capture =
        capture(CaptureConfig.defaults().withQueue(200, CaptureConfig.WhenFull.WAIT));
    Tensor bulky =
        new Tensor("text", DataType.BYTES, new long[] {1}, new String[] {"x".repeat(2000)});
    List<String> answered = new ArrayList<>();
    StoreFullException refused = null;
    for (int i = 0; i < 10_000 && refused == null; i++) {
      try {
        capture.served("pump", 1, "p" + i, Instant.now(), 1, INPUTS, List.of(bulky));
        answered.add("p" + i);
      } catch (StoreFullException e) {
        refused = e;
      }
    }
    assertThat(refused).as("the store filled up").isNotNull();
    assertThat(refused).hasMessageContaining("is full (budget 256 KiB)");
    Eventually.await("capture says the store is full", capture::full);
    assertThat(capture.refusal()).get(as(STRING)).contains("is full (budget 256 KiB)");

    // The hub takes what the store holds, again and again: its pages are reused for the records
    // that waited, until all of them are written.
    List<String> recorded = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (capture.full() || capture.queued() > 0 || !real.unsynced(1).isEmpty()) {
      assertThat(System.nanoTime()).as("backlog written in time").isLessThan(deadline);
      List<PredictionRecord> stored = real.unsynced(10_000);
      if (!stored.isEmpty()) {
        stored.forEach(r -> recorded.add(r.requestId()));
        real.markSynced(stored.getFirst().sequence(), stored.getLast().sequence());
      }
      capture.drain(Duration.ofMillis(50));
    }
    assertThat(recorded)
        .as("every answered prediction is recorded, in order")
        .containsExactlyElementsOf(answered);
    serve(capture, "pump", "after");
    assertThat(capture.drain(DRAIN)).isTrue();
    assertThat(real.unsynced(10)).extracting(PredictionRecord::requestId).containsExactly("after");
  }

  /**
   * Issue 9: in sync mode the refused requests take their records with them, so nothing is left to
   * retry; the writer still finds out when forwarding made room, and refusing (and the agent's
   * readiness, which reads {@link PredictionCapture#refusal}) ends.
   */
  @Test
  void a_full_store_in_sync_mode_has_room_again_once_forwarding_made_some() {
    store.close();
    real = SqliteAgentStore.open(dir.resolve("budget.db"), 256 * 1024);
    store = new GatedStore(real);
    PredictionCapture capture = capture(CaptureConfig.defaults().withMode(CaptureConfig.Mode.SYNC));
    Tensor bulky =
        new Tensor("text", DataType.BYTES, new long[] {1}, new String[] {"x".repeat(2000)});
    int recorded = 0;
    for (; recorded < 10_000; recorded++) {
      try {
        capture.served("pump", 1, "p" + recorded, Instant.now(), 1, INPUTS, List.of(bulky));
      } catch (StoreFullException e) {
        break;
      }
    }
    assertThat(capture.full()).isTrue();
    assertThat(capture.refusal()).isPresent();
    assertThatThrownBy(() -> serve(capture, "pump", "still-full"))
        .isInstanceOf(StoreFullException.class);
    assertThat(real.unsynced(100_000)).hasSize(recorded);

    List<PredictionRecord> stored = real.unsynced(100_000);
    real.markSynced(stored.getFirst().sequence(), stored.getLast().sequence());

    Eventually.await("room again", () -> !capture.full());
    assertThat(capture.refusal()).isEmpty();
    serve(capture, "pump", "after");
    assertThat(real.unsynced(10)).extracting(PredictionRecord::requestId).containsExactly("after");
  }

  @Test
  void recorded_predictions_keep_time_model_version_latency_and_id() {
    PredictionCapture capture = capture(CaptureConfig.defaults());
    Instant time = Instant.parse("2026-01-02T03:04:05.123456Z");

    capture.served("pump", 7, "req-1", time, 321, INPUTS, OUTPUTS);

    assertThat(capture.drain(DRAIN)).isTrue();
    PredictionRecord r = real.unsynced(1).getFirst();
    assertThat(r.time()).isEqualTo(time);
    assertThat(r.model()).isEqualTo("pump");
    assertThat(r.version()).isEqualTo(7);
    assertThat(r.latencyMicros()).isEqualTo(321);
    assertThat(r.requestId()).isEqualTo("req-1");
  }

  @Test
  void a_store_prediction_built_from_a_tree_keeps_no_inputs() {
    Prediction p =
        new Prediction(
            Instant.now(), "pump", 1, 1, null, dev.verge.core.json.Json.mapper().createArrayNode());
    assertThat(p.outputsJson()).isEqualTo("[]");
    assertThat(p.inputsJson()).isNull();
  }
}
