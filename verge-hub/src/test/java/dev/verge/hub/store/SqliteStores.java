package dev.verge.hub.store;

import dev.verge.hub.auth.SettingsStore;
import dev.verge.hub.auth.SqliteSettingsStore;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.SqliteDeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.model.SqliteModelStore;
import dev.verge.hub.telemetry.SqliteTelemetryStore;
import dev.verge.hub.telemetry.TelemetryStore;
import java.nio.file.Path;

/** The SQLite stores on one {@link Database} file. */
public record SqliteStores(Database db) implements HubStores {
  public static SqliteStores open(Path file) {
    return new SqliteStores(Database.openSqlite(file));
  }

  @Override
  public SettingsStore settings() {
    return new SqliteSettingsStore(db);
  }

  @Override
  public ModelStore models() {
    return new SqliteModelStore(db);
  }

  @Override
  public DeviceStore devices() {
    return new SqliteDeviceStore(db);
  }

  @Override
  public TelemetryStore telemetry() {
    return new SqliteTelemetryStore(db);
  }

  @Override
  public void close() {
    db.close();
  }
}
