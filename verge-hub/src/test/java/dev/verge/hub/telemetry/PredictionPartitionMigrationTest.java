package dev.verge.hub.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.Database;
import dev.verge.hub.store.PostgresServer;
import dev.verge.hub.store.TestPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * V9 keeps the predictions stored before it, with the same time in milliseconds Java computes for a
 * resend of them (so a resend still stores nothing), on both stores; on PostgreSQL each lands in
 * its day's partition or, outside the days V9 creates, in the default one.
 */
class PredictionPartitionMigrationTest {
  private static final Instant TODAY = Instant.now().truncatedTo(ChronoUnit.DAYS);

  /** Times as the hub stored them before V9 (Instant.toString), with every fraction length. */
  private static final List<Instant> TIMES =
      List.of(
          TODAY.minus(1, ChronoUnit.DAYS).plusNanos(123_456_789),
          TODAY.plusSeconds(3600).plusMillis(500),
          TODAY.plusSeconds(7200).plusNanos(999_999),
          TODAY.minus(200, ChronoUnit.DAYS),
          Instant.parse("1969-12-31T23:59:59.250Z"));

  @TempDir Path dir;

  @Test
  void sqlite_keeps_the_rows_and_their_keys() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("hub.db");
    Flyway.configure()
        .dataSource(url, null, null)
        .locations(Database.SQLITE_MIGRATIONS)
        .target("7")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url)) {
      fillV7(c);
    }
    try (Database db = Database.openSqlite(dir.resolve("hub.db"))) {
      assertKept(new SqlTelemetryStore(db));
    }
  }

  @Test
  void postgresql_keeps_the_rows_in_their_day_partitions() throws SQLException {
    PostgresServer server = TestPostgres.freshDatabase();
    Flyway.configure()
        .dataSource(server.jdbcUrl(), server.user(), server.password())
        .locations(Database.POSTGRESQL_MIGRATIONS)
        .target("7")
        .load()
        .migrate();
    try (Connection c =
        DriverManager.getConnection(server.jdbcUrl(), server.user(), server.password())) {
      fillV7(c);
    }
    try (Database db = Database.openPostgres(server)) {
      assertKept(new SqlTelemetryStore(db));
      Map<String, Long> perTable =
          db.read(
              h ->
                  h.createQuery(
                          "SELECT tableoid::regclass::text AS t, COUNT(*) AS n FROM predictions"
                              + " GROUP BY 1")
                      .map((rs, ctx) -> Map.entry(rs.getString("t"), rs.getLong("n")))
                      .collectToMap(Map.Entry::getKey, Map.Entry::getValue));
      assertThat(new TreeMap<>(perTable))
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  partition(TIMES.get(0)),
                  1L,
                  partition(TIMES.get(1)),
                  2L,
                  "predictions_default",
                  2L));
    }
  }

  private static String partition(Instant time) {
    return "predictions_p"
        + DateTimeFormatter.BASIC_ISO_DATE.format(LocalDate.ofInstant(time, ZoneOffset.UTC));
  }

  private static void fillV7(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.executeUpdate(
          "INSERT INTO devices (id, name, labels_json, credential_sha256, enrolled_at)"
              + " VALUES ('dev-1', 'dev-1', '{}', 'c1', 0)");
      for (int i = 0; i < TIMES.size(); i++) {
        s.executeUpdate(
            "INSERT INTO predictions (device_id, sequence, time, model, version, latency_micros,"
                + " request_id, outputs_json, received_at, inputs_json) VALUES ('dev-1', "
                + (i + 1)
                + ", '"
                + TIMES.get(i)
                + "', 'iris', 2, 100, NULL, NULL, 0, NULL)");
      }
      s.executeUpdate(
          "INSERT INTO prediction_counts (device_id, stored) VALUES ('dev-1', "
              + TIMES.size()
              + ")");
    }
  }

  private static void assertKept(SqlTelemetryStore store) {
    List<Prediction> expected =
        java.util.stream.IntStream.range(0, TIMES.size())
            .mapToObj(i -> new Prediction(i + 1, TIMES.get(i), "iris", 2, 100, null, null, null))
            .toList();
    assertThat(store.predictions("dev-1", -1, 10)).isEqualTo(expected);
    VersionQuery all = new VersionQuery("iris", 2, Telemetry.EARLIEST, Telemetry.LATEST, null);
    assertThat(store.versionPredictions(all, null, 10))
        .allSatisfy(p -> assertThat(p.timeMs()).isEqualTo(p.prediction().time().toEpochMilli()));
    assertThat(store.recordBatch("dev-1", "resend", expected, Instant.now()))
        .isEqualTo(new Stored(0, false));
    assertThat(store.storedCount("dev-1")).isEqualTo(TIMES.size());
  }
}
