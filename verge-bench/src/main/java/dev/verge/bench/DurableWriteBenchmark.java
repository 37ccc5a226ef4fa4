package dev.verge.bench;

import dev.verge.sqlite.Sqlite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
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
 * <p>Run with {@code ./verge bench DurableWriteBenchmark -f 1 -wi 2 -w 2s -i 8 -r 2s}. Where the
 * machine's load changes faster than a cell lasts, {@link DurableWritePairs} gives the ratio from
 * writers interleaved second by second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class DurableWriteBenchmark {
  /** Records an invocation hands over, whatever the batch. */
  private static final int MAX = 1024;

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
  private DurableWriters writers;
  private long committedBefore;

  @Setup(Level.Trial)
  public void start() throws IOException, SQLException {
    root = Files.createTempDirectory("verge-durable-bench-");
    writers = new DurableWriters(root, batch, durability);
  }

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
    committedBefore = writers.committed.get();
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException, SQLException {
    writers.close();
    Folders.deleteTree(root);
  }

  /** 1,024 records through the writer the parameter names; {@code durable} counts the committed. */
  @Benchmark
  public void durable_writes(Durable counter) throws SQLException {
    switch (writer) {
      case "agent" -> {
        writers.serve(MAX);
        counter.durable = writers.committed.get() - committedBefore;
      }
      case "raw" -> {
        writers.rawBatches(MAX, false);
        counter.durable += MAX;
      }
      default -> {
        writers.rawBatches(MAX, true);
        counter.durable += MAX;
      }
    }
  }
}
