package dev.verge.hub.model;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.oip.TensorSpec;
import dev.verge.hub.store.Columns;
import dev.verge.hub.store.Created;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** {@link ModelStore} in the {@code publisher_keys} and {@code model_versions} tables. */
public final class SqlModelStore implements ModelStore {
  private static final TypeReference<List<TensorSpec>> TENSOR_SPECS = new TypeReference<>() {};

  private static final String KEYS =
      "SELECT key_id, name, public_key_pem, added_at FROM publisher_keys";

  private static final RowMapper<RegisteredKey> KEY =
      (rs, ctx) ->
          new RegisteredKey(
              rs.getString("key_id"),
              rs.getString("name"),
              rs.getString("public_key_pem"),
              Columns.instant(rs, "added_at"));

  private static final String VERSIONS =
      "SELECT name, version, bundle_digest, bundle_size, publisher_key_id, published_at,"
          + " inputs_json, outputs_json, metadata_json FROM model_versions";

  private static final RowMapper<ModelVersion> VERSION =
      (rs, ctx) ->
          new ModelVersion(
              rs.getString("name"),
              rs.getLong("version"),
              rs.getString("bundle_digest"),
              rs.getLong("bundle_size"),
              rs.getString("publisher_key_id"),
              Columns.instant(rs, "published_at"),
              StoreJson.read(
                  rs.getString("inputs_json"), TENSOR_SPECS, "model_versions.inputs_json"),
              StoreJson.read(
                  rs.getString("outputs_json"), TENSOR_SPECS, "model_versions.outputs_json"),
              StoreJson.read(
                  rs.getString("metadata_json"),
                  StoreJson.STRING_MAP,
                  "model_versions.metadata_json"));

  private final Database db;

  public SqlModelStore(Database db) {
    this.db = db;
  }

  @Override
  public Created<RegisteredKey> addPublisherKey(RegisteredKey key) {
    return db.write(
        h -> {
          boolean created =
              h.createUpdate(
                          "INSERT INTO publisher_keys (key_id, name, public_key_pem, added_at)"
                              + " VALUES (:keyId, :name, :publicKeyPem, :addedAt)"
                              + " ON CONFLICT DO NOTHING")
                      .bindMethods(key)
                      .execute()
                  == 1;
          RegisteredKey stored =
              h.createQuery(KEYS + " WHERE key_id = :keyId")
                  .bind("keyId", key.keyId())
                  .map(KEY)
                  .one();
          return new Created<>(stored, created);
        });
  }

  @Override
  public List<RegisteredKey> publisherKeys() {
    return db.read(h -> h.createQuery(KEYS + " ORDER BY added_at, key_id").map(KEY).list());
  }

  @Override
  public Created<ModelVersion> addModelVersion(ModelVersion v) {
    return db.write(
        h -> {
          boolean created =
              h.createUpdate(
                          "INSERT INTO model_versions (name, version, bundle_digest, bundle_size,"
                              + " publisher_key_id, published_at, inputs_json, outputs_json,"
                              + " metadata_json) VALUES (:name, :version, :bundleDigest,"
                              + " :bundleSize, :publisherKeyId, :publishedAt, :inputs, :outputs,"
                              + " :metadata) ON CONFLICT DO NOTHING")
                      .bindMethods(v)
                      .bind("inputs", StoreJson.write(v.inputs()))
                      .bind("outputs", StoreJson.write(v.outputs()))
                      .bind("metadata", StoreJson.writeSorted(v.metadata()))
                      .execute()
                  == 1;
          return new Created<>(version(h, v.name(), v.version()).orElseThrow(), created);
        });
  }

  @Override
  public Optional<ModelVersion> modelVersion(String name, long version) {
    return db.read(h -> version(h, name, version));
  }

  private static Optional<ModelVersion> version(Handle h, String name, long version) {
    return h.createQuery(VERSIONS + " WHERE name = :name AND version = :version")
        .bind("name", name)
        .bind("version", version)
        .map(VERSION)
        .findOne();
  }

  @Override
  public List<ModelVersion> modelVersions() {
    return db.read(h -> h.createQuery(VERSIONS + " ORDER BY name, version").map(VERSION).list());
  }

  @Override
  public List<ModelVersion> modelVersions(String name) {
    return db.read(
        h ->
            h.createQuery(VERSIONS + " WHERE name = :name ORDER BY version")
                .bind("name", name)
                .map(VERSION)
                .list());
  }

  @Override
  public Optional<ModelVersion> modelVersionByDigest(String bundleDigest) {
    return db.read(
        h ->
            h.createQuery(VERSIONS + " WHERE bundle_digest = :digest ORDER BY name, version")
                .bind("digest", bundleDigest)
                .map(VERSION)
                .findFirst());
  }
}
