package dev.verge.hub.deploy;

import dev.verge.hub.store.HubStores;
import dev.verge.hub.store.SqliteStores;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteDeploymentStoreTest extends DeploymentStoreContract {
  @TempDir Path dir;

  @Override
  protected HubStores openStores() {
    return SqliteStores.open(dir.resolve("hub.db"));
  }
}
