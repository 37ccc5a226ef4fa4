package dev.verge.hub.push;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqlitePushCredentialStoreTest extends PushCredentialStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStores openStores() {
    return DatabaseStores.open(dir.resolve("hub.db"));
  }
}
