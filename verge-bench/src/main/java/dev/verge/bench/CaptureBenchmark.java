package dev.verge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.store.StoreEvents;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.sqlite.Sqlite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * What recording a prediction costs the request that made it: the synchronous write every request
 * paid before group commit (outputs to a JSON tree, then one SQLite transaction, on the request's
 * thread) against the agent's capture in its two modes, each on a store of its own (the agent's
 * schema and settings: WAL with {@code synchronous=FULL}, every commit fsynced, as the agent opens
 * it; {@code durability=PROCESS_CRASH} opens the same stores with {@code NORMAL}, what the agent
 * did before issue 9, to show what durability costs). The outputs are those of {@code
 * TestModels.logistic()}: [batch, 2] FP32.
 *
 * <p>{@code capture_buffered} calls as fast as it can, faster than any store commits, so the queue
 * fills and the caller then waits for room: its sample distribution shows both the hand-off a
 * request pays while there is room (p50) and the writer's sustained pace per record (the mean).
 *
 * <p>Run with {@code ./verge bench CaptureBenchmark -f 1 -wi 3 -w 2s -i 5 -r 2s}.
 */
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class CaptureBenchmark {
  private static final String MODEL = "logistic";

  /** Rows of the answered outputs: [batch, 2]. */
  @Param({"1", "64"})
  public int batch;

  /** What a commit survives: POWER_CUT ({@code FULL}, the agent's) or PROCESS_CRASH. */
  @Param({"POWER_CUT", "PROCESS_CRASH"})
  public Sqlite.Durability durability;

  private Path root;
  private SqliteAgentStore direct;
  private SqliteAgentStore bufferedStore;
  private SqliteAgentStore syncStore;
  private PredictionCapture buffered;
  private PredictionCapture sync;
  private List<Tensor> inputs;
  private List<Tensor> outputs;

  @Setup(Level.Trial)
  public void start() throws IOException {
    root = Files.createTempDirectory("verge-capture-bench-");
    direct = SqliteAgentStore.open(root.resolve("direct.db"), 0, StoreEvents.NONE, durability);
    bufferedStore =
        SqliteAgentStore.open(root.resolve("buffered.db"), 0, StoreEvents.NONE, durability);
    syncStore = SqliteAgentStore.open(root.resolve("sync.db"), 0, StoreEvents.NONE, durability);
    // Every record, however many a second: the default capture-max-rate (1,000 a second) would
    // count most calls here as served without a record, and time nothing.
    buffered =
        PredictionCapture.start(
            bufferedStore,
            CaptureConfig.defaults().withPolicy(CapturePolicy.EVERY),
            CaptureMetrics.NONE);
    sync =
        PredictionCapture.start(
            syncStore,
            CaptureConfig.defaults()
                .withMode(CaptureConfig.Mode.SYNC)
                .withPolicy(CapturePolicy.EVERY),
            CaptureMetrics.NONE);
    float[] features = new float[batch * 2];
    float[] probabilities = new float[batch * 2];
    for (int i = 0; i < batch; i++) {
      features[2 * i] = 8.3f + i * 0.01f;
      features[2 * i + 1] = 7.5f;
      probabilities[2 * i] = 0.123456f;
      probabilities[2 * i + 1] = 0.876544f;
    }
    inputs = List.of(new Tensor("input", DataType.FP32, new long[] {batch, 2}, features));
    outputs =
        List.of(new Tensor("probabilities", DataType.FP32, new long[] {batch, 2}, probabilities));
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    buffered.drain(Duration.ofSeconds(60));
    buffered.close();
    sync.close();
    direct.close();
    bufferedStore.close();
    syncStore.close();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /**
   * Before group commit, on every request's thread: the outputs re-encoded as a JSON tree, then one
   * SQLite transaction for the one record.
   */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public long record_synchronously() {
    JsonNode tree = Json.mapper().valueToTree(outputs.stream().map(TensorCodec::encode).toList());
    return direct.record(new Prediction(Instant.now(), MODEL, 1, 10, null, tree));
  }

  /** The default: the request hands the record over; the writer encodes and batches it. */
  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  public void capture_buffered() {
    buffered.served(MODEL, 1, null, Instant.now(), 10, inputs, outputs);
  }

  /** Sync mode with one caller: each request waits for a commit of its own, synced to disk. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  public void capture_sync() {
    sync.served(MODEL, 1, null, Instant.now(), 10, inputs, outputs);
  }

  /** Sync mode with 16 concurrent callers, whose records share commits. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @Threads(16)
  public void capture_sync_16_callers() {
    sync.served(MODEL, 1, null, Instant.now(), 10, inputs, outputs);
  }
}
