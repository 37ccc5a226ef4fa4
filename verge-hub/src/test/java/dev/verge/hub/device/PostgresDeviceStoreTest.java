package dev.verge.hub.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.Database;
import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import dev.verge.hub.store.PostgresServer;
import dev.verge.hub.store.TestPostgres;
import org.junit.jupiter.api.Test;

/** The {@link DeviceStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresDeviceStoreTest extends DeviceStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }

  /**
   * With sequential scans priced out, the planner still picks a sequential scan where no index can
   * serve; so a plan without one shows that indexes serve every search shape. (Which plan wins at
   * 1,000,000 devices is the inventory benchmark's to show: docs/benchmarks.md.)
   */
  @Test
  void every_search_shape_can_run_on_indexes() {
    PostgresServer server = TestPostgres.freshDatabase();
    try (Database setup = Database.openPostgres(server)) {
      setup.read(
          h ->
              h.execute(
                  "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off',"
                      + " current_database()); END $$"));
    }
    try (Database db = Database.openPostgres(server)) {
      SqlDeviceStore store = new SqlDeviceStore(db);
      enrollForPlans(store);
      for (DeviceQuery query : searchShapes()) {
        assertThat(store.plan(query))
            .as("plan of %s", query)
            .noneSatisfy(line -> assertThat(line).contains("Seq Scan"));
      }
    }
  }
}
