package dev.verge.agent.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteAgentStoreTest extends AgentStoreContract {
  @TempDir Path dir;

  @Override
  protected AgentStore create() {
    return SqliteAgentStore.open(dir.resolve("agent.db"));
  }

  @Test
  void runs_in_wal_mode_with_normal_synchronous() throws SQLException {
    store.record(prediction("a"));

    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("agent.db"));
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
      rs.next();
      assertThat(rs.getString(1)).isEqualTo("wal");
    }
    assertThat(dir.resolve("agent.db-wal")).exists();
  }

  @Test
  void served_counts_what_a_store_of_schema_v6_had_counted_and_goes_on_after_pruning()
      throws SQLException {
    store.close();
    Path old = dir.resolve("v6.db");
    String url = "jdbc:sqlite:" + old;
    Flyway.configure(getClass().getClassLoader())
        .dataSource(url, null, null)
        .locations("classpath:db/migration/agent")
        .target("6")
        .load()
        .migrate();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      // Before V7 every served prediction was counted: 5 recorded (3 since pruned) + 2 sampled out.
      for (int i = 0; i < 5; i++) {
        s.execute(
            "INSERT INTO predictions (time_micros, model, version, latency_micros, outputs_json)"
                + " VALUES (1, 'pump', 1, 5, '[]')");
      }
      s.execute("DELETE FROM predictions WHERE sequence <= 3");
      s.execute("UPDATE counters SET value = 7 WHERE name = 'predictions_served'");
    }

    store = SqliteAgentStore.open(old);

    assertThat(store.counters().served()).isEqualTo(7);
    store.recordAll(List.of(prediction("a"), prediction("b")), 3, 0);
    long third = store.record(prediction("c"));
    store.markSynced(1, third);
    assertThat(store.hasRoom()).isTrue(); // prunes the forwarded ones
    assertThat(store.unsynced(10)).isEmpty();
    assertThat(store.counters()).isEqualTo(new Counters(13, 0, 0));
  }

  @Test
  void database_file_is_readable_by_its_owner_only() throws IOException {
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("agent.db"))))
        .isEqualTo("rw-------");
  }

  @Test
  void keeps_everything_across_reopening() {
    store.saveIdentity(new Identity("dev-1", "secret"));
    store.activate(new InstalledBundle(digest('a'), "pump", 2, 100));
    long sequence = store.record(prediction("a"));
    store.close();

    store = create();

    assertThat(store.identity()).contains(new Identity("dev-1", "secret"));
    assertThat(store.model("pump")).contains(new ModelState("pump", 2L, digest('a'), 2));
    assertThat(store.unsynced(10).getFirst().sequence()).isEqualTo(sequence);
    assertThat(store.record(prediction("b"))).isGreaterThan(sequence);
  }

  @Test
  void tightens_an_existing_database_file_to_owner_only() throws IOException {
    store.close();
    Path file = dir.resolve("agent.db");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    store = create();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }
}
