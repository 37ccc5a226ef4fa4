package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.hub.HubException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the PostgreSQL side of {@link Database} does beyond the store contracts. */
class PostgresDatabaseTest {
  @Test
  void the_schema_is_migrated_to_the_same_versions_as_sqlites(@TempDir Path dir) {
    try (Database postgres = Database.openPostgres(TestPostgres.freshDatabase());
        Database sqlite = Database.openSqlite(dir.resolve("hub.db"))) {
      assertThat(postgres.engine()).isEqualTo(Database.Engine.POSTGRESQL);
      assertThat(versions(postgres)).isNotEmpty().isEqualTo(versions(sqlite));
    }
  }

  private static List<String> versions(Database db) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT version || ' ' || description FROM flyway_schema_history"
                        + " WHERE success ORDER BY installed_rank")
                .mapTo(String.class)
                .list());
  }

  @Test
  void a_second_open_of_a_migrated_database_migrates_nothing_and_sees_the_same_rows() {
    PostgresServer server = TestPostgres.freshDatabase();
    try (Database first = Database.openPostgres(server);
        Database second = Database.openPostgres(server)) {
      new DatabaseStores(first).settings().initAdminTokenHash("abc");
      assertThat(new DatabaseStores(second).settings().adminTokenHash()).contains("abc");
    }
  }

  @Test
  void a_wrong_password_fails_naming_the_server_and_the_cause_but_not_the_password() {
    PostgresServer good = TestPostgres.freshDatabase();
    PostgresServer wrong =
        new PostgresServer(good.jdbcUrl(), "nobody", "hunter2", 1, good.display());

    assertThatThrownBy(() -> Database.openPostgres(wrong))
        .isInstanceOf(HubException.StoreFailure.class)
        .hasMessageContaining("cannot connect to PostgreSQL at " + good.display())
        .hasMessageContaining("nobody")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void a_server_that_is_not_there_fails_at_once_naming_it() throws Exception {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    PostgresServer absent =
        PostgresServer.parse("postgresql://verge:pw@127.0.0.1:" + port + "/hub", null, 1);

    long started = System.nanoTime();
    assertThatThrownBy(() -> Database.openPostgres(absent))
        .isInstanceOf(HubException.StoreFailure.class)
        .hasMessageContaining("cannot connect to PostgreSQL at 127.0.0.1:" + port + "/hub")
        .hasMessageContaining("refused");
    assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(10_000);
  }

  @Test
  void a_write_that_fails_for_its_own_reason_is_not_retried_and_leaves_nothing() {
    try (Database db = Database.openPostgres(TestPostgres.freshDatabase())) {
      int[] runs = {0};
      assertThatThrownBy(
              () ->
                  db.write(
                      h -> {
                        runs[0]++;
                        h.execute("INSERT INTO hub_settings (name, value) VALUES ('a', 'b')");
                        return h.execute(
                            "INSERT INTO hub_settings (name, value) VALUES ('a', 'c')");
                      }))
          .isInstanceOf(HubException.StoreFailure.class)
          .hasMessageContaining("duplicate key");
      assertThat(runs[0]).isEqualTo(1);
      assertThat(new DatabaseStores(db).settings().adminTokenHash()).isEmpty();
      long rows =
          db.read(h -> h.createQuery("SELECT COUNT(*) FROM hub_settings").mapTo(Long.class).one());
      assertThat(rows).isZero();
    }
  }
}
