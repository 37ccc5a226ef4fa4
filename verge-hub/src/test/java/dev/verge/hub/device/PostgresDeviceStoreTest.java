package dev.verge.hub.device;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/** The {@link DeviceStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresDeviceStoreTest extends DeviceStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }
}
