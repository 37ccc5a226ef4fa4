package dev.verge.hub.rollout;

import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.TestPostgres;
import java.nio.file.Path;

/** The {@link RolloutStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresRolloutStoreTest extends RolloutStoreContract {
  @Override
  Stores open(Path dir) {
    Database db = Database.openPostgres(TestPostgres.freshDatabase());
    return new Stores(new SqlRolloutStore(db), new SqlDeviceStore(db), new SqlModelStore(db), db);
  }
}
