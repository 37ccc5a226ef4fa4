package dev.verge.hub.store;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static dev.verge.hub.store.StoreFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.hub.HubException;
import dev.verge.hub.telemetry.Stored;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jdbi.v3.core.statement.SqlLogger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the SQLite {@link Database} adds below the feature stores: WAL, locking, failures. */
class SqliteDatabaseTest {
  @TempDir Path dir;
  private DatabaseStores stores;

  @BeforeEach
  void open() {
    stores = DatabaseStores.open(dir.resolve("hub.db"));
  }

  @AfterEach
  void close() {
    stores.close();
  }

  @Test
  void the_database_is_in_wal_mode() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("hub.db"));
        ResultSet rs = c.createStatement().executeQuery("PRAGMA journal_mode")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualToIgnoringCase("wal");
    }
  }

  @Test
  void data_survives_reopening() {
    enroll(stores.devices(), "dev-1", Map.of("site", "lab"));
    stores.close();

    stores = DatabaseStores.open(dir.resolve("hub.db"));

    assertThat(stores.devices().device("dev-1")).isPresent();
  }

  @Test
  void two_databases_on_one_file_write_concurrently_without_busy_errors() throws Exception {
    enroll(stores.devices(), "dev-1", Map.of());
    try (DatabaseStores second = DatabaseStores.open(dir.resolve("hub.db"))) {
      List<DatabaseStores> both = List.of(stores, second);
      CountDownLatch go = new CountDownLatch(1);
      List<Callable<Integer>> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        DatabaseStores target = both.get(t % 2);
        int thread = t;
        writers.add(
            () -> {
              go.await();
              int accepted = 0;
              for (int b = 0; b < 25; b++) {
                long from = (thread * 25L + b) * 4;
                Stored ack =
                    target
                        .telemetry()
                        .recordBatch("dev-1", "t" + thread + "b" + b, records(from, from + 3), T0);
                accepted += ack.added();
                target.devices().touchDevices(Map.of("dev-1", T0.plusSeconds(b)));
              }
              return accepted;
            });
      }
      int accepted = 0;
      try (ExecutorService pool = Executors.newFixedThreadPool(writers.size())) {
        List<Future<Integer>> futures = writers.stream().map(pool::submit).toList();
        go.countDown();
        for (Future<Integer> f : futures) {
          accepted += f.get();
        }
      }

      assertThat(accepted).isEqualTo(4 * 25 * 4);
      assertThat(second.telemetry().storedCount("dev-1")).isEqualTo(400);
    }
  }

  @Test
  void a_write_that_fails_is_rolled_back() {
    assertThatThrownBy(
            () ->
                stores
                    .db()
                    .write(
                        h -> {
                          h.execute("INSERT INTO hub_settings (name, value) VALUES ('a', 'b')");
                          throw new IllegalStateException("boom");
                        }))
        .hasMessage("boom");

    assertThat(stores.settings().adminTokenHash()).isEmpty();
    int rows =
        stores
            .db()
            .read(
                h -> h.createQuery("SELECT COUNT(*) FROM hub_settings").mapTo(Integer.class).one());
    assertThat(rows).isZero();
  }

  @Test
  void a_sql_error_is_a_store_failure_naming_the_file() {
    assertThatThrownBy(() -> stores.db().read(h -> h.execute("SELECT * FROM no_such_table")))
        .isInstanceOf(HubException.StoreFailure.class)
        .hasMessageContaining("hub.db")
        .hasMessageContaining("no_such_table");
  }

  @Test
  void a_lock_held_by_another_process_past_the_time_out_is_store_busy() throws Exception {
    Database patient =
        Database.openSqlite(
            dir.resolve("hub.db"), SqlLogger.NOP_SQL_LOGGER, Duration.ofMillis(200));
    try (patient;
        Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("hub.db"));
        Statement s = other.createStatement()) {
      s.execute("PRAGMA busy_timeout = 0");
      s.execute("BEGIN EXCLUSIVE");
      long start = System.nanoTime();

      assertThatThrownBy(() -> new DatabaseStores(patient).settings().initAdminTokenHash("x"))
          .isInstanceOf(HubException.StoreBusy.class)
          .hasMessageContaining("busy for 200 ms");

      assertThat(System.nanoTime() - start)
          .isGreaterThanOrEqualTo(Duration.ofMillis(150).toNanos());
      s.execute("ROLLBACK");
    }
  }

  @Test
  void a_closed_database_is_store_busy() {
    stores.close();

    assertThatThrownBy(() -> stores.settings().adminTokenHash())
        .isInstanceOf(HubException.StoreBusy.class);
    assertThatThrownBy(() -> stores.settings().initAdminTokenHash("x"))
        .isInstanceOf(HubException.StoreBusy.class);
  }

  @Test
  void a_file_that_is_not_a_database_is_a_store_failure_naming_it() throws Exception {
    Path file = dir.resolve("notes.db");
    Files.writeString(file, "not a database at all, only text ".repeat(200));

    assertThatThrownBy(() -> Database.openSqlite(file))
        .isInstanceOf(HubException.StoreFailure.class)
        .hasMessageContaining(file.toString());
  }
}
