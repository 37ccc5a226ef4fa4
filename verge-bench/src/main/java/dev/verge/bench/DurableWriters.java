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
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writers {@link DurableWriteBenchmark} and {@link DurableWritePairs} compare, on one folder:
 * the agent's capture path (group commit) and plain JDBC batched inserts on the agent's table.
 */
final class DurableWriters implements AutoCloseable {
  static final String MODEL = "logistic";

  /** A prediction's outputs as a small classifier answers them. */
  static final List<Tensor> OUTPUTS =
      List.of(
          new Tensor(
              "probabilities",
              DataType.FP32,
              new long[] {1, 2},
              new float[] {0.123456f, 0.876544f}));

  private static final String OUTPUTS_JSON =
      Json.writeString(OUTPUTS.stream().map(TensorCodec::encode).toList());

  /** Records the capture writer committed. */
  final AtomicLong committed = new AtomicLong();

  final int batch;
  private final SqliteAgentStore store;
  final PredictionCapture capture;
  private final Connection raw;
  private final PreparedStatement insert;

  /**
   * @param batch records a commit: the agent's {@code capture-batch}, the raw writers' batch
   */
  DurableWriters(Path root, int batch, Sqlite.Durability durability) throws SQLException {
    this.batch = batch;
    store = SqliteAgentStore.open(root.resolve("agent.db"), 0, StoreEvents.NONE, durability);
    capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults()
                .withPolicy(CapturePolicy.EVERY)
                .withWindow(CaptureConfig.DEFAULT_WINDOW, batch),
            new CommitCounter(committed));
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

  /** Hands {@code records} predictions to the agent's capture, as served requests do. */
  void serve(int records) {
    for (int i = 0; i < records; i++) {
      capture.served(MODEL, 1, null, Instant.now(), 10, List.of(), OUTPUTS);
    }
  }

  /**
   * Plain JDBC: {@code records} inserts, committed {@link #batch} at a time; each record's tensors
   * encoded to JSON as it is inserted when {@code encode} (the agent's work for each record, with
   * the streaming encoder its writer uses), else the same JSON encoded once.
   */
  void rawBatches(int records, boolean encode) throws SQLException {
    for (int done = 0; done < records; done += batch) {
      for (int i = 0; i < batch; i++) {
        insert.setLong(1, ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()));
        insert.setString(2, MODEL);
        insert.setLong(3, 1);
        insert.setLong(4, 10);
        insert.setNull(5, java.sql.Types.VARCHAR);
        insert.setString(6, encode ? encoded(OUTPUTS) : OUTPUTS_JSON);
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

  @Override
  public void close() throws SQLException {
    capture.drain(Duration.ofSeconds(60));
    capture.close();
    store.close();
    insert.close();
    raw.close();
  }

  /** Counts what the capture writer commits. */
  private record CommitCounter(AtomicLong count) implements CaptureMetrics {
    @Override
    public void committed(int records, java.time.Duration took, java.time.Duration oldestWaited) {
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
