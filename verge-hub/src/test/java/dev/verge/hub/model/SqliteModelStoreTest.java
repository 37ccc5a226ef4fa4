package dev.verge.hub.model;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteModelStoreTest extends ModelStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStores openStores() {
    return DatabaseStores.open(dir.resolve("hub.db"));
  }
}
