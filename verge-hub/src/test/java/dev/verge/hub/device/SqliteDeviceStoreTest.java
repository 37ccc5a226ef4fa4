package dev.verge.hub.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.Database;
import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDeviceStoreTest extends DeviceStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStores openStores() {
    return DatabaseStores.open(dir.resolve("hub.db"));
  }

  @Test
  void every_search_shape_reads_tables_through_an_index() {
    Database db = ((DatabaseStores) stores).db();
    SqlDeviceStore store = new SqlDeviceStore(db);
    enrollForPlans(store);

    for (DeviceQuery query : searchShapes()) {
      // SQLite says "SCAN t" for a whole table and "SCAN t USING INDEX i" for an index in order.
      assertThat(store.plan(query))
          .as("plan of %s", query)
          .allSatisfy(line -> assertThat(line).doesNotMatch("SCAN \\w+( AS \\w+)?"));
    }
  }
}
