package dev.verge.hub.device;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteDeviceStoreTest extends DeviceStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStores openStores() {
    return DatabaseStores.open(dir.resolve("hub.db"));
  }
}
