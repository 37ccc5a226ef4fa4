package dev.verge.hub.rollout;

import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.store.Database;
import java.nio.file.Path;

class SqliteRolloutStoreTest extends RolloutStoreContract {
  @Override
  Stores open(Path dir) {
    Database db = Database.openSqlite(dir.resolve("hub.db"));
    return new Stores(new SqlRolloutStore(db), new SqlDeviceStore(db), new SqlModelStore(db), db);
  }
}
