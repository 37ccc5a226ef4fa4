package dev.verge.hub.auth;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/** The {@link SettingsStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresSettingsStoreTest extends SettingsStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }
}
