package dev.verge.hub.telemetry;

import dev.verge.hub.auth.SettingsStore;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.store.DatabaseStores;
import dev.verge.hub.store.HubStores;

/**
 * The {@link TelemetryStoreContract} on PostgreSQL through the INSERT batch instead of COPY: the
 * path the ingestion benchmark compares COPY with must store the same.
 */
class PostgresInsertTelemetryStoreTest extends TelemetryStoreContract {
  @Override
  protected HubStores openStores() {
    DatabaseStores stores = DatabaseStores.postgres();
    SqlTelemetryStore inserting = new SqlTelemetryStore(stores.db(), false);
    return new HubStores() {
      @Override
      public SettingsStore settings() {
        return stores.settings();
      }

      @Override
      public ModelStore models() {
        return stores.models();
      }

      @Override
      public DeviceStore devices() {
        return stores.devices();
      }

      @Override
      public TelemetryStore telemetry() {
        return inserting;
      }

      @Override
      public dev.verge.hub.push.PushCredentialStore pushCredentials() {
        return stores.pushCredentials();
      }

      @Override
      public void close() {
        stores.close();
      }
    };
  }
}
