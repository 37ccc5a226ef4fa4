package dev.verge.hub.push;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/** The {@link PushCredentialStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresPushCredentialStoreTest extends PushCredentialStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }
}
