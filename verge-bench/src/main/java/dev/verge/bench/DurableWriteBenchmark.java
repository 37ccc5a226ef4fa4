package dev.verge.bench;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.store.StoreEvents;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InferResponseWriter;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.sqlite.Sqlite;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.AuxCounters;
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

/**
 * Durable writes a second: the agent's group commit against raw SQLite batched inserts, with the
 * same batch sizes on the same disk, each with {@code synchronous=FULL} (POWER_CUT: every commit
 * fsynced, what the agent does) and {@code NORMAL} (PROCESS_CRASH: the WAL fsynced only at
 * checkpoints, what it did before issue 9), so that the cost of durability shows beside the cost of
 * the agent's own work. The score is {@code durable}: records committed a second, counted where
 * they are committed (JMH's auxiliary counter); each invocation hands over 1,024 records, in
 * commits of {@link #batch}. The two writers are one benchmark with a parameter, so that JMH runs
 * them one after the other for each batch size and durability (the parameter named last varies
 * fastest): on a shared machine whose load drifts, neighbours are what can be compared.
 *
 * <ul>
 *   <li>{@code writer=agent}: the agent's whole capture path, {@code PredictionCapture.served} in
 *       buffered mode with {@code capture-batch} = {@link #batch} and the default queue (8,192), on
 *       the agent's store (its schema, counters, index). The caller outruns the writer, so the
 *       queue stays full and every commit takes a full batch; the writer encodes the tensors to
 *       JSON, inserts and commits. Only what the writer committed is counted, not what waits.
 *   <li>{@code writer=raw}: plain JDBC on the agent's table and index, in a database of its own on
 *       the same disk: {@code batch} inserts of the same record, JSON already encoded, through
 *       {@code addBatch}/{@code executeBatch}, then one commit. What SQLite itself gives.
 *   <li>{@code writer=raw_encoding}: the same, each record's tensors encoded to JSON as it is
 *       inserted, with the streaming encoder the agent's writer uses ({@code
 *       InferResponseWriter.tensors}): the same work as the agent's for each record, without its
 *       queue, thread hand-off, counters and policy. The floor is set against this one.
 * </ul>
 *
 * <p>Run with {@code ./verge bench DurableWriteBenchmark -f 1 -wi 2 -w 2s -i 8 -r 2s}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class DurableWriteBenchmark {
  /** Records an invocation hands over, whatever the batch. */
  private static final int MAX = 1024;

  private static final String MODEL = "logistic";

  /** Records per commit. */
  @Param({"1", "64", "1024"})
  public int batch;

  /** What a commit survives: POWER_CUT ({@code FULL}) or PROCESS_CRASH ({@code NORMAL}). */
  @Param({"POWER_CUT", "PROCESS_CRASH"})
  public Sqlite.Durability durability;

  /** {@code agent}: group commit through capture; {@code raw}: plain JDBC batched inserts. */
  @Param({"agent", "raw", "raw_encoding"})
  public String writer;

  private Path root;
  private SqliteAgentStore store;
  private PredictionCapture capture;
  private Connection raw;
  private PreparedStatement insert;
  private List<Tensor> outputs;
  private String outputsJson;

  @Setup(Level.Trial)
  public void start() throws IOException, SQLException {
    root = Files.createTempDirectory("verge-durable-bench-");
    store = SqliteAgentStore.open(root.resolve("agent.db"), 0, StoreEvents.NONE, durability);
    capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults()
                .withPolicy(CapturePolicy.EVERY)
                .withWindow(CaptureConfig.DEFAULT_WINDOW, batch),
            new CommitCounter(committed));
    outputs =
        List.of(
            new Tensor(
                "probabilities",
                DataType.FP32,
                new long[] {1, 2},
                new float[] {0.123456f, 0.876544f}));
    outputsJson = Json.writeString(outputs.stream().map(TensorCodec::encode).toList());
    raw = DriverManager.getConnection("jdbc:sqlite:" + root.resolve("raw.db"));
    try (Statement s = raw.createStatement()) {
      s.execute("PRAGMA journal_mode = WAL");
      s.execute(
          "PRAGMA synchronous = "
              + (durability == Sqlite.Durability.POWER_CUT ? "FULL" : "NORMAL"));
      // The agent's table and index (agent migrations V1, V2, V4), so that the difference is the
      // agent's work, not its schema.
      s.execute(
          "CREATE TABLE predictions (sequence INTEGER PRIMARY KEY AUTOINCREMENT, time_micros"
              + " INTEGER NOT NULL, model TEXT NOT NULL, version INTEGER NOT NULL, latency_micros"
              + " INTEGER NOT NULL, request_id TEXT, outputs_json TEXT NOT NULL, synced INTEGER"
              + " NOT NULL DEFAULT 0, rejected_reason TEXT, inputs_json TEXT)");
      s.execute("CREATE INDEX predictions_unsynced ON predictions (sequence) WHERE synced = 0");
    }
    raw.setAutoCommit(false);
    insert =
        raw.prepareStatement(
            "INSERT INTO predictions (time_micros, model, version, latency_micros, request_id,"
                + " outputs_json) VALUES (?, ?, ?, ?, ?, ?)");
  }

  /** Records committed, as the capture writer reports them. */
  private final AtomicLong committed = new AtomicLong();

  private long committedBefore;

  /** JMH reports {@link #durable} a second: the records committed in the iteration. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Durable {
    public long durable;

    @Setup(Level.Iteration)
    public void clear() {
      durable = 0;
    }
  }

  @Setup(Level.Iteration)
  public void mark() {
    committedBefore = committed.get();
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException, SQLException {
    capture.drain(Duration.ofSeconds(60));
    capture.close();
    store.close();
    insert.close();
    raw.close();
    Folders.deleteTree(root);
  }

  /** 1,024 records through the writer the parameter names; {@code durable} counts the committed. */
  @Benchmark
  public void durable_writes(Durable counter) throws SQLException {
    switch (writer) {
      case "agent" -> {
        groupCommit();
        counter.durable = committed.get() - committedBefore;
      }
      case "raw" -> {
        rawJdbc(false);
        counter.durable += MAX;
      }
      default -> {
        rawJdbc(true);
        counter.durable += MAX;
      }
    }
  }

  /** The agent: records handed to capture; its writer commits {@link #batch} at a time. */
  private void groupCommit() {
    for (int i = 0; i < MAX; i++) {
      capture.served(MODEL, 1, null, Instant.now(), 10, List.of(), outputs);
    }
  }

  /** Plain JDBC: {@link #batch} inserts, then one commit, {@code MAX / batch} times. */
  private void rawJdbc(boolean encode) throws SQLException {
    for (int done = 0; done < MAX; done += batch) {
      for (int i = 0; i < batch; i++) {
        insert.setLong(1, ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
        insert.setString(2, MODEL);
        insert.setLong(3, 1);
        insert.setLong(4, 10);
        insert.setNull(5, java.sql.Types.VARCHAR);
        insert.setString(6, encode ? encoded(outputs) : outputsJson);
        insert.addBatch();
      }
      insert.executeBatch();
      raw.commit();
    }
  }

  private static String encoded(List<Tensor> tensors) {
    StringWriter text = new StringWriter(128);
    try (JsonGenerator generator = Json.factory().createGenerator(text)) {
      InferResponseWriter.tensors(generator, tensors);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return text.toString();
  }

  /** Counts what the capture writer commits. */
  private record CommitCounter(AtomicLong count) implements CaptureMetrics {
    @Override
    public void committed(int records) {
      count.addAndGet(records);
    }

    @Override
    public void sampledOut() {}

    @Override
    public void rateLimited() {}

    @Override
    public void waitedForRoom() {}

    @Override
    public void dropped(String reason, int count) {}

    @Override
    public void dataOmitted() {}

    @Override
    public void writerFailed() {}
  }
}
