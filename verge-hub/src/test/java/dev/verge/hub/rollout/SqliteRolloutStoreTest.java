package dev.verge.hub.rollout;

import dev.verge.hub.device.SqliteDeviceStore;
import dev.verge.hub.model.SqliteModelStore;
import dev.verge.hub.store.Database;
import java.nio.file.Path;

class SqliteRolloutStoreTest extends RolloutStoreContract {
  @Override
  Stores open(Path dir) {
    Database db = Database.openSqlite(dir.resolve("hub.db"));
    return new Stores(
        new SqliteRolloutStore(db), new SqliteDeviceStore(db), new SqliteModelStore(db), db);
  }
}
