package dev.verge.hub.deploy;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.hub.store.Columns;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** {@link DeploymentStore} in the {@code deployments} table, joined to the versions it deploys. */
public final class SqliteDeploymentStore implements DeploymentStore {
  private static final String DEPLOYMENTS =
      "SELECT d.id, d.model, d.version, d.selector_json, d.rollback, d.created_at,"
          + " m.bundle_digest, m.bundle_size"
          + " FROM deployments d JOIN model_versions m ON m.name = d.model AND m.version = d.version";

  private static final RowMapper<DeploymentRow> ROW =
      (rs, ctx) ->
          new DeploymentRow(
              rs.getLong("id"),
              rs.getString("model"),
              rs.getLong("version"),
              StoreJson.read(
                  rs.getString("selector_json"), StoreJson.STRING_MAP, "deployments.selector_json"),
              rs.getBoolean("rollback"),
              Columns.instant(rs, "created_at"),
              rs.getString("bundle_digest"),
              rs.getLong("bundle_size"));

  private final Database db;

  public SqliteDeploymentStore(Database db) {
    this.db = db;
  }

  @Override
  public Optional<DeploymentRow> addDeployment(DeploymentRequest request, Instant createdAt) {
    return db.write(
        h -> {
          boolean published =
              h.createQuery(
                      "SELECT 1 FROM model_versions WHERE name = :model AND version = :version")
                  .bind("model", request.model())
                  .bind("version", request.version())
                  .mapTo(Integer.class)
                  .findOne()
                  .isPresent();
          if (!published) {
            return Optional.empty();
          }
          long id =
              h.createUpdate(
                      "INSERT INTO deployments (model, version, selector_json, rollback, created_at)"
                          + " VALUES (:model, :version, :selector, :rollback, :createdAt)")
                  .bind("model", request.model())
                  .bind("version", request.version())
                  .bind("selector", StoreJson.writeSorted(request.selector()))
                  .bind("rollback", request.rollback())
                  .bind("createdAt", createdAt)
                  .executeAndReturnGeneratedKeys("id")
                  .mapTo(Long.class)
                  .one();
          return deployment(h, id);
        });
  }

  @Override
  public Optional<DeploymentRow> deployment(long id) {
    return db.read(h -> deployment(h, id));
  }

  private static Optional<DeploymentRow> deployment(Handle h, long id) {
    return h.createQuery(DEPLOYMENTS + " WHERE d.id = :id").bind("id", id).map(ROW).findOne();
  }

  @Override
  public List<DeploymentRow> deployments() {
    return db.read(h -> h.createQuery(DEPLOYMENTS + " ORDER BY d.id DESC").map(ROW).list());
  }
}
