package dev.verge.hub.store;

import dev.verge.hub.auth.SettingsStore;
import dev.verge.hub.auth.SqlSettingsStore;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.push.PushCredentialStore;
import dev.verge.hub.push.SqlPushCredentialStore;
import dev.verge.hub.telemetry.SqlTelemetryStore;
import dev.verge.hub.telemetry.TelemetryStore;
import java.nio.file.Path;
import org.jdbi.v3.core.statement.SqlLogger;

/** The feature stores on one {@link Database}: a SQLite file or a fresh PostgreSQL database. */
public record DatabaseStores(Database db) implements HubStores {
  public static DatabaseStores open(Path file) {
    return new DatabaseStores(Database.openSqlite(file));
  }

  /** On a new, empty database of the test PostgreSQL server ({@link TestPostgres}). */
  public static DatabaseStores postgres() {
    return new DatabaseStores(Database.openPostgres(TestPostgres.freshDatabase()));
  }

  /** With {@code logger} told of every statement run. */
  public static DatabaseStores open(Path file, SqlLogger logger) {
    return new DatabaseStores(Database.openSqlite(file, logger));
  }

  @Override
  public SettingsStore settings() {
    return new SqlSettingsStore(db);
  }

  @Override
  public ModelStore models() {
    return new SqlModelStore(db);
  }

  @Override
  public DeviceStore devices() {
    return new SqlDeviceStore(db);
  }

  @Override
  public TelemetryStore telemetry() {
    return new SqlTelemetryStore(db);
  }

  @Override
  public PushCredentialStore pushCredentials() {
    return new SqlPushCredentialStore(db);
  }

  @Override
  public void close() {
    db.close();
  }
}
