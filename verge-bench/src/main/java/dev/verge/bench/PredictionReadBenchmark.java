package dev.verge.bench;

import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreFixtures;
import dev.verge.hub.store.TestPostgres;
import dev.verge.hub.telemetry.DevicePrediction;
import dev.verge.hub.telemetry.LatencyBucket;
import dev.verge.hub.telemetry.Prediction;
import dev.verge.hub.telemetry.SqlTelemetryStore;
import dev.verge.hub.telemetry.VersionQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The read API's store queries over {@value #STORED} predictions of one model version from {@value
 * #DEVICES} devices, spread evenly over the last {@value #HOURS} hours (so, on PostgreSQL, over the
 * day partitions that cover them), with latencies from 1 to 10,000 µs: a page of 100 from the start
 * and from the middle of the range (keyset), a page of one device's, and the aggregates of the
 * whole day per hour and of its last hour per minute. The score is milliseconds per query.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class PredictionReadBenchmark {
  static final int STORED = 1_000_000;
  private static final int DEVICES = 16;
  private static final int HOURS = 24;
  private static final int BATCH = 10_000;

  @Param({"postgres", "sqlite"})
  public String store;

  private Path dir;
  private Database db;
  private SqlTelemetryStore telemetry;
  private Instant from;
  private Instant to;
  private VersionQuery day;
  private VersionQuery lastHour;
  private VersionQuery oneDevice;
  private dev.verge.hub.telemetry.PageKey middle;

  @Setup(Level.Trial)
  public void fill() throws IOException {
    if (store.equals("sqlite")) {
      dir = Files.createTempDirectory("verge-read");
      db = Database.openSqlite(dir.resolve("hub.db"));
    } else {
      db = Database.openPostgres(TestPostgres.freshDatabase());
    }
    telemetry = new SqlTelemetryStore(db);
    to = Instant.now().truncatedTo(ChronoUnit.HOURS);
    from = to.minus(Duration.ofHours(HOURS));
    telemetry.maintain(to, Duration.ZERO);
    SqlDeviceStore devices = new SqlDeviceStore(db);
    for (int d = 0; d < DEVICES; d++) {
      String id = "dev-" + d;
      devices.addEnrollmentToken("token-" + id, StoreFixtures.T0, to.plusSeconds(3600), null);
      devices.enroll("token-" + id, from, StoreFixtures.device(id, Map.of()));
    }
    long spacingNanos = Duration.ofHours(HOURS).toNanos() / STORED;
    for (int first = 0; first < STORED; first += BATCH) {
      String device = "dev-" + (first / BATCH) % DEVICES;
      List<Prediction> batch = new ArrayList<>(BATCH);
      for (int i = first; i < first + BATCH; i++) {
        batch.add(
            new Prediction(
                i,
                from.plusNanos(i * spacingNanos),
                "pump",
                2,
                1 + (i * 7919L) % 10_000,
                "req-" + i,
                null,
                null));
      }
      telemetry.recordBatch(device, "b" + first, batch, to);
    }
    if (db.engine() == Database.Engine.POSTGRESQL) {
      db.read(h -> h.execute("ANALYZE predictions"));
    }
    day = new VersionQuery("pump", 2, from, to, null);
    lastHour = new VersionQuery("pump", 2, to.minus(Duration.ofHours(1)), to, null);
    oneDevice = new VersionQuery("pump", 2, from, to, "dev-7");
    List<DevicePrediction> half =
        telemetry.versionPredictions(
            new VersionQuery("pump", 2, from.plus(Duration.ofHours(HOURS / 2)), to, null), null, 1);
    middle = half.getFirst().key();
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
  public List<DevicePrediction> firstPage() {
    return telemetry.versionPredictions(day, null, 101);
  }

  @Benchmark
  public List<DevicePrediction> pageFromTheMiddle() {
    return telemetry.versionPredictions(day, middle, 101);
  }

  @Benchmark
  public List<DevicePrediction> oneDevicesPage() {
    return telemetry.versionPredictions(oneDevice, null, 101);
  }

  @Benchmark
  public List<LatencyBucket> dayPerHour() {
    return telemetry.aggregates(day, Duration.ofHours(1));
  }

  @Benchmark
  public List<LatencyBucket> lastHourPerMinute() {
    return telemetry.aggregates(lastHour, Duration.ofMinutes(1));
  }
}
