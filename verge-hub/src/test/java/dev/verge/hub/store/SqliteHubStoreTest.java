package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.BatchAck;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteHubStoreTest extends HubStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStore openStore() {
    return SqliteHubStore.open(dir.resolve("hub.db"));
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
    enroll("dev-1", Map.of("site", "lab"));
    store.close();

    store = openStore();

    assertThat(store.device("dev-1")).isPresent();
  }

  @Test
  void two_stores_on_one_file_write_concurrently_without_busy_errors() throws Exception {
    enroll("dev-1", Map.of());
    try (HubStore second = openStore()) {
      List<HubStore> stores = List.of(store, second);
      CountDownLatch go = new CountDownLatch(1);
      List<Callable<Integer>> writers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        HubStore target = stores.get(t % 2);
        int thread = t;
        writers.add(
            () -> {
              go.await();
              int accepted = 0;
              for (int b = 0; b < 25; b++) {
                long from = (thread * 25L + b) * 4;
                BatchAck ack =
                    target.recordBatch(
                        "dev-1", "t" + thread + "b" + b, records(from, from + 3), T0);
                accepted += ack.accepted();
                target.touchDevice("dev-1", T0.plusSeconds(b));
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
      assertThat(second.device("dev-1").orElseThrow().predictionsSynced()).isEqualTo(400);
    }
  }
}
