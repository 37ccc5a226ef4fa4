package dev.verge.hub.device;

import dev.verge.core.api.ReportedState;
import dev.verge.hub.store.Columns;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/** {@link DeviceStore} in the {@code enrollment_tokens} and {@code devices} tables. */
public final class SqlDeviceStore implements DeviceStore {
  private static final String DEVICES =
      "SELECT id, name, labels_json, operator_labels_json, enrolled_at, last_seen_at,"
          + " reported_json FROM devices";

  /**
   * The last report read per device, kept parsed: the rollout engine reads every device several
   * times a second, and a report changes far less often (when its counters move, or every 30 s).
   */
  private final Map<String, ParsedReport> reports = new ConcurrentHashMap<>();

  private record ParsedReport(String json, ReportedState state) {}

  private final RowMapper<Device> device =
      (rs, ctx) ->
          new Device(
              rs.getString("id"),
              rs.getString("name"),
              StoreJson.read(
                  rs.getString("labels_json"), StoreJson.STRING_MAP, "devices.labels_json"),
              StoreJson.read(
                  rs.getString("operator_labels_json"),
                  OperatorLabels.class,
                  "devices.operator_labels_json"),
              Columns.instant(rs, "enrolled_at"),
              Columns.instant(rs, "last_seen_at"),
              reported(rs.getString("id"), rs.getString("reported_json")));

  private final Database db;

  public SqlDeviceStore(Database db) {
    this.db = db;
  }

  private ReportedState reported(String id, String json) {
    if (json == null) {
      return null;
    }
    ParsedReport last = reports.get(id);
    if (last != null && last.json().equals(json)) {
      return last.state();
    }
    ReportedState state = StoreJson.read(json, ReportedState.class, "devices.reported_json");
    reports.put(id, new ParsedReport(json, state));
    return state;
  }

  @Override
  public void addEnrollmentToken(
      String tokenHash, Instant createdAt, Instant expiresAt, String note) {
    db.write(
        h ->
            h.createUpdate(
                    "INSERT INTO enrollment_tokens (token_sha256, note, created_at, expires_at)"
                        + " VALUES (:hash, :note, :createdAt, :expiresAt)")
                .bind("hash", tokenHash)
                .bind("note", note)
                .bind("createdAt", createdAt)
                .bind("expiresAt", expiresAt)
                .execute());
  }

  @Override
  public boolean enroll(String tokenHash, Instant now, NewDevice device) {
    return db.write(
        h -> {
          int used =
              h.createUpdate(
                      "UPDATE enrollment_tokens SET used_at = :now, used_by = :id"
                          + " WHERE token_sha256 = :hash AND used_at IS NULL AND expires_at > :now")
                  .bind("now", now)
                  .bind("id", device.id())
                  .bind("hash", tokenHash)
                  .execute();
          if (used != 1) {
            return false;
          }
          h.createUpdate(
                  "INSERT INTO devices (id, name, labels_json, credential_sha256, agent_version,"
                      + " platform, enrolled_at) VALUES (:id, :name, :labels, :credentialHash,"
                      + " :agentVersion, :platform, :enrolledAt)")
              .bindMethods(device)
              .bind("labels", StoreJson.writeSorted(device.labels()))
              .execute();
          return true;
        });
  }

  @Override
  public Optional<String> deviceIdByCredential(String credentialHash) {
    return db.read(
        h ->
            h.createQuery("SELECT id FROM devices WHERE credential_sha256 = :hash")
                .bind("hash", credentialHash)
                .mapTo(String.class)
                .findOne());
  }

  @Override
  public Optional<Device> device(String id) {
    return db.read(h -> device(h, id));
  }

  private Optional<Device> device(Handle h, String id) {
    return h.createQuery(DEVICES + " WHERE id = :id").bind("id", id).map(device).findOne();
  }

  @Override
  public List<Device> devices() {
    return db.read(h -> h.createQuery(DEVICES + " ORDER BY enrolled_at, id").map(device).list());
  }

  @Override
  public void touchDevices(Map<String, Instant> seenAt) {
    if (seenAt.isEmpty()) {
      return;
    }
    db.write(
        h -> {
          PreparedBatch touch =
              h.prepareBatch(
                  "UPDATE devices SET last_seen_at = :seenAt"
                      + " WHERE id = :id AND (last_seen_at IS NULL OR last_seen_at < :seenAt)");
          seenAt.forEach((id, at) -> touch.bind("id", id).bind("seenAt", at).add());
          return touch.execute();
        });
  }

  @Override
  public Optional<Device> changeOperatorLabels(String id, UnaryOperator<OperatorLabels> change) {
    return db.write(
        h -> {
          Optional<Device> before = device(h, id);
          if (before.isEmpty()) {
            return before;
          }
          OperatorLabels after = change.apply(before.get().operatorLabels());
          h.createUpdate("UPDATE devices SET operator_labels_json = :labels WHERE id = :id")
              .bind("labels", StoreJson.write(after))
              .bind("id", id)
              .execute();
          return device(h, id);
        });
  }

  @Override
  public boolean saveReported(String id, ReportedState state, Instant reportedAt) {
    return db.write(
        h ->
            h.createUpdate(
                        "UPDATE devices SET reported_json = :reported, reported_at = :reportedAt,"
                            + " labels_json = COALESCE(:labels, labels_json) WHERE id = :id")
                    .bind("reported", StoreJson.write(state))
                    .bind("reportedAt", reportedAt)
                    .bind(
                        "labels",
                        state.labels() == null ? null : StoreJson.writeSorted(state.labels()))
                    .bind("id", id)
                    .execute()
                == 1);
  }
}
