package dev.verge.hub.telemetry;

import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/** The {@link TelemetryStoreContract} on a real PostgreSQL server (see TestPostgres). */
class PostgresTelemetryStoreTest extends TelemetryStoreContract {
  @Override
  protected HubStores openStores() {
    return DatabaseStores.postgres();
  }
}
