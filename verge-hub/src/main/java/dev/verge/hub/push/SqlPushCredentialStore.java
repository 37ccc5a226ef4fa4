package dev.verge.hub.push;

import dev.verge.hub.store.Database;
import java.time.Instant;
import java.util.function.BiConsumer;

/** {@link PushCredentialStore} in the {@code push_credentials} table. */
public final class SqlPushCredentialStore implements PushCredentialStore {
  private final Database db;

  public SqlPushCredentialStore(Database db) {
    this.db = db;
  }

  @Override
  public void put(String deviceId, String passwordHash, Instant issuedAt) {
    db.write(
        h ->
            h.createUpdate(
                    "INSERT INTO push_credentials (device_id, password_hash, issued_ms)"
                        + " VALUES (:id, :hash, :at)"
                        + " ON CONFLICT (device_id) DO UPDATE"
                        + " SET password_hash = excluded.password_hash,"
                        + " issued_ms = excluded.issued_ms")
                .bind("id", deviceId)
                .bind("hash", passwordHash)
                .bind("at", issuedAt.toEpochMilli())
                .execute());
  }

  @Override
  public void forEach(BiConsumer<String, String> deviceAndHash) {
    db.read(
        h -> {
          try (var rows =
              h
                  .createQuery(
                      "SELECT device_id, password_hash FROM push_credentials ORDER BY device_id")
                  .setFetchSize(10_000)
                  .map((rs, ctx) -> new String[] {rs.getString(1), rs.getString(2)})
                  .stream()) {
            rows.forEach(r -> deviceAndHash.accept(r[0], r[1]));
          }
          return null;
        });
  }

  @Override
  public long count() {
    return db.read(
        h -> h.createQuery("SELECT COUNT(*) FROM push_credentials").mapTo(Long.class).one());
  }
}
