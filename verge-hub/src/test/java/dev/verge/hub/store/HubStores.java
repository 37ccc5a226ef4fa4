package dev.verge.hub.store;

import dev.verge.hub.auth.SettingsStore;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.push.PushCredentialStore;
import dev.verge.hub.telemetry.TelemetryStore;

/**
 * Every feature store over one fresh, empty, migrated database: what the store contract suites run
 * against. One implementation per database (SQLite today).
 */
public interface HubStores extends AutoCloseable {
  SettingsStore settings();

  ModelStore models();

  DeviceStore devices();

  TelemetryStore telemetry();

  PushCredentialStore pushCredentials();

  @Override
  void close();
}
