package dev.verge.hub.auth;

import dev.verge.hub.store.Database;
import java.util.Optional;

/** {@link SettingsStore} in the {@code hub_settings} table. */
public final class SqlSettingsStore implements SettingsStore {
  private static final String ADMIN_TOKEN_SETTING = "admin_token_sha256";

  private final Database db;

  public SqlSettingsStore(Database db) {
    this.db = db;
  }

  @Override
  public Optional<String> adminTokenHash() {
    return db.read(
        h ->
            h.createQuery("SELECT value FROM hub_settings WHERE name = :name")
                .bind("name", ADMIN_TOKEN_SETTING)
                .mapTo(String.class)
                .findOne());
  }

  @Override
  public boolean initAdminTokenHash(String sha256) {
    return db.write(
        h ->
            h.createUpdate(
                        "INSERT INTO hub_settings (name, value) VALUES (:name, :value)"
                            + " ON CONFLICT DO NOTHING")
                    .bind("name", ADMIN_TOKEN_SETTING)
                    .bind("value", sha256)
                    .execute()
                == 1);
  }
}
