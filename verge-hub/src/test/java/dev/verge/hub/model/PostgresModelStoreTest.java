package dev.verge.hub.model;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/** The {@link ModelStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresModelStoreTest extends ModelStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }
}
