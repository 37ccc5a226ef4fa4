package dev.verge.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTest {
  private static final String MIGRATIONS = "classpath:db/migration/sqlite-test";

  @TempDir Path dir;

  private static String pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  @Test
  void connections_use_wal_normal_sync_busy_timeout_and_foreign_keys() throws Exception {
    Sqlite sqlite = Sqlite.open(dir.resolve("a.db"), MIGRATIONS);

    try (Connection c = sqlite.connect()) {
      assertThat(pragma(c, "journal_mode")).isEqualToIgnoringCase("wal");
      assertThat(pragma(c, "synchronous")).isEqualTo("1");
      assertThat(pragma(c, "busy_timeout")).isEqualTo("10000");
      assertThat(pragma(c, "foreign_keys")).isEqualTo("1");
    }
  }

  @Test
  void power_cut_durability_makes_every_connection_sync_each_commit() throws Exception {
    Sqlite sqlite =
        Sqlite.open(
            dir.resolve("a.db"),
            MIGRATIONS,
            Sqlite.Options.DEFAULT.withDurability(Sqlite.Durability.POWER_CUT));

    for (int i = 0; i < 2; i++) {
      try (Connection c = sqlite.connect()) {
        assertThat(pragma(c, "journal_mode")).isEqualToIgnoringCase("wal");
        assertThat(pragma(c, "synchronous")).as("FULL").isEqualTo("2");
      }
    }
  }

  @Test
  void migrations_run_once_and_foreign_keys_are_enforced() throws Exception {
    Sqlite.open(dir.resolve("a.db"), MIGRATIONS);
    Sqlite sqlite = Sqlite.open(dir.resolve("a.db"), MIGRATIONS);

    try (Connection c = sqlite.connect();
        Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.execute("INSERT INTO things (id, owner_id) VALUES (1, 99)"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("FOREIGN KEY");
      try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM flyway_schema_history")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
    }
  }

  @Test
  void a_jdbc_url_and_a_path_open_the_same_file() {
    Path file = dir.resolve("sub").resolve("b.db");

    Sqlite byUrl = Sqlite.open("jdbc:sqlite:" + file, MIGRATIONS);

    assertThat(byUrl.file()).isEqualTo(file.toAbsolutePath());
    assertThat(Sqlite.open(file.toString(), MIGRATIONS).url()).isEqualTo(byUrl.url());
    assertThat(file).exists();
  }

  @Test
  void an_in_memory_url_is_refused() {
    assertThatThrownBy(() -> Sqlite.open("jdbc:sqlite::memory:", MIGRATIONS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("jdbc:sqlite::memory:");
  }

  @Test
  void a_file_that_is_not_a_database_is_refused_naming_it() throws Exception {
    Path file = dir.resolve("notes.db");
    Files.writeString(file, "these are not the pages of a database, just some text ".repeat(100));

    assertThatThrownBy(() -> Sqlite.open(file, MIGRATIONS))
        .isInstanceOf(SqliteOpenException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void a_failing_migration_is_reported_naming_the_file_and_location() {
    Path file = dir.resolve("c.db");

    assertThatThrownBy(() -> Sqlite.open(file, "classpath:db/migration/sqlite-broken"))
        .isInstanceOf(SqliteOpenException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("classpath:db/migration/sqlite-broken");
  }

  @Test
  void a_missing_migration_location_is_an_error() {
    assertThatThrownBy(() -> Sqlite.open(dir.resolve("d.db"), "classpath:db/migration/none"))
        .isInstanceOf(SqliteOpenException.class)
        .hasMessageContaining("classpath:db/migration/none");
  }

  @Test
  void owner_only_files_are_readable_by_their_owner_only() throws Exception {
    Path file = dir.resolve("secret.db");

    Sqlite.open(file, MIGRATIONS, Sqlite.Options.DEFAULT.withOwnerOnly(true));

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void a_lock_held_past_the_time_out_reads_as_busy() throws Exception {
    Sqlite sqlite =
        Sqlite.open(
            dir.resolve("e.db"),
            MIGRATIONS,
            Sqlite.Options.DEFAULT.withBusyTimeout(Duration.ofMillis(50)));
    try (Connection holder = sqlite.connect();
        Connection other = sqlite.connect();
        Statement hold = holder.createStatement();
        Statement write = other.createStatement()) {
      hold.execute("BEGIN IMMEDIATE");

      SQLException busy =
          org.junit.jupiter.api.Assertions.assertThrows(
              SQLException.class, () -> write.execute("BEGIN IMMEDIATE"));

      assertThat(Sqlite.isBusy(busy)).as("%s", busy).isTrue();
      assertThat(Sqlite.isBusy(new SQLException("constraint", "23000", 19))).isFalse();
      hold.execute("ROLLBACK");
    }
  }
}
