package dev.verge.hub.device;

import dev.verge.core.api.HardwareProfile;
import dev.verge.core.api.ReportedState;
import dev.verge.core.select.Selector;
import dev.verge.hub.store.Columns;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.jdbi.v3.core.statement.Query;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.postgresql.PGStatement;

/**
 * {@link DeviceStore} in the {@code enrollment_tokens}, {@code devices} and {@code device_labels}
 * tables. {@code device_labels} holds each device's effective labels ({@link Device#labels}), one
 * row a label, written in the transaction that changes them, so that a search by selector is a join
 * on indexes rather than a read of every device.
 */
public final class SqlDeviceStore implements DeviceStore {
  private static final String COLUMNS =
      "id, name, labels_json, operator_labels_json, enrolled_at, last_seen_at, reported_json,"
          + " hardware_json";
  private static final String DEVICES = "SELECT " + COLUMNS + " FROM devices";

  /**
   * The JSON columns last read per device, kept parsed: the rollout engine reads every device of
   * its rollouts each iteration, and they change far less often (a report when its counters move,
   * labels and profile hardly ever), so a row whose text is unchanged costs no parsing.
   */
  private final Map<String, ParsedRow> parsed = new ConcurrentHashMap<>();

  private record ParsedRow(
      String labelsJson,
      String operatorJson,
      String reportedJson,
      String hardwareJson,
      Map<String, String> labels,
      OperatorLabels operator,
      ReportedState reported,
      HardwareProfile hardware) {}

  private final RowMapper<Device> device =
      (rs, ctx) -> {
        String id = rs.getString("id");
        ParsedRow row =
            parsedRow(
                id,
                rs.getString("labels_json"),
                rs.getString("operator_labels_json"),
                rs.getString("reported_json"),
                rs.getString("hardware_json"));
        return new Device(
            id,
            rs.getString("name"),
            row.labels(),
            row.operator(),
            Columns.instant(rs, "enrolled_at"),
            Columns.instant(rs, "last_seen_at"),
            row.reported(),
            row.hardware());
      };

  private final Database db;

  public SqlDeviceStore(Database db) {
    this.db = db;
  }

  private ParsedRow parsedRow(
      String id, String labels, String operator, String reported, String hardware) {
    ParsedRow last = parsed.get(id);
    if (last != null
        && Objects.equals(last.labelsJson(), labels)
        && Objects.equals(last.operatorJson(), operator)
        && Objects.equals(last.reportedJson(), reported)
        && Objects.equals(last.hardwareJson(), hardware)) {
      return last;
    }
    boolean same = last != null;
    ParsedRow row =
        new ParsedRow(
            labels,
            operator,
            reported,
            hardware,
            same && Objects.equals(last.labelsJson(), labels)
                ? last.labels()
                : labels == null
                    ? Map.of()
                    : Map.copyOf(
                        StoreJson.read(labels, StoreJson.STRING_MAP, "devices.labels_json")),
            same && Objects.equals(last.operatorJson(), operator)
                ? last.operator()
                : StoreJson.read(operator, OperatorLabels.class, "devices.operator_labels_json"),
            same && Objects.equals(last.reportedJson(), reported)
                ? last.reported()
                : StoreJson.read(reported, ReportedState.class, "devices.reported_json"),
            same && Objects.equals(last.hardwareJson(), hardware)
                ? last.hardware()
                : hardware(hardware));
    parsed.put(id, row);
    return row;
  }

  private static HardwareProfile hardware(String json) {
    return json == null
        ? null
        : StoreJson.read(json, HardwareProfile.class, "devices.hardware_json");
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
          writeLabels(h, device.id(), Map.of(), device.labels());
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
          Device changed = device(h, id).orElseThrow();
          writeLabels(h, id, before.get().labels(), changed.labels());
          return Optional.of(changed);
        });
  }

  @Override
  public boolean saveReported(String id, ReportedState state, Instant reportedAt) {
    return db.write(
        h -> {
          Optional<LabelSources> before =
              h.createQuery(
                      "SELECT labels_json, operator_labels_json, hardware_json FROM devices"
                          + " WHERE id = :id")
                  .bind("id", id)
                  .map(
                      (rs, ctx) ->
                          new LabelSources(
                              rs.getString("labels_json"),
                              rs.getString("operator_labels_json"),
                              rs.getString("hardware_json")))
                  .findOne();
          if (before.isEmpty()) {
            return false;
          }
          LabelSources old = before.get();
          String labels = state.labels() == null ? null : StoreJson.writeSorted(state.labels());
          String hardware = state.hardware() == null ? null : StoreJson.write(state.hardware());
          h.createUpdate(
                  "UPDATE devices SET reported_json = :reported, reported_at = :reportedAt,"
                      + " labels_json = COALESCE(:labels, labels_json),"
                      + " hardware_json = COALESCE(:hardware, hardware_json) WHERE id = :id")
              // The profile is kept once, in its own column, not again inside the report.
              .bind("reported", StoreJson.write(state.withHardware(null)))
              .bind("reportedAt", reportedAt)
              .bind("labels", labels)
              .bind("hardware", hardware)
              .bind("id", id)
              .execute();
          LabelSources now =
              new LabelSources(
                  labels == null ? old.labels() : labels,
                  old.operator(),
                  hardware == null ? old.hardware() : hardware);
          if (!now.equals(old)) { // Nearly every report: same labels, same profile, no more work.
            writeLabels(h, id, old.effective(), now.effective());
          }
          return true;
        });
  }

  /** What a device's effective labels are made of, as stored. */
  private record LabelSources(String labels, String operator, String hardware) {
    Map<String, String> effective() {
      return Device.labels(
          StoreJson.read(labels, StoreJson.STRING_MAP, "devices.labels_json"),
          StoreJson.read(operator, OperatorLabels.class, "devices.operator_labels_json"),
          SqlDeviceStore.hardware(hardware));
    }
  }

  /** Brings the device's rows in {@code device_labels} from {@code before} to {@code after}. */
  private static void writeLabels(
      Handle h, String id, Map<String, String> before, Map<String, String> after) {
    List<String> gone =
        before.keySet().stream().filter(k -> !before.get(k).equals(after.get(k))).toList();
    if (!gone.isEmpty()) {
      h.createUpdate("DELETE FROM device_labels WHERE device_id = :id AND key IN (<keys>)")
          .bind("id", id)
          .bindList("keys", gone)
          .execute();
    }
    PreparedBatch add =
        h.prepareBatch(
            "INSERT INTO device_labels (device_id, key, value) VALUES (:id, :key, :value)");
    after.forEach(
        (key, value) -> {
          if (!value.equals(before.get(key))) {
            add.bind("id", id).bind("key", key).bind("value", value).add();
          }
        });
    if (add.size() > 0) {
      add.execute();
    }
  }

  @Override
  public List<Device> search(DeviceQuery query) {
    Search search = Search.of(query);
    return db.read(
        h -> {
          Query statement = h.createQuery(search.sql()).bindMap(search.binds());
          if (db.engine() == Database.Engine.POSTGRESQL) {
            // Planned for its values every time: the driver's server-side prepared statement
            // (from the fifth run on) may get PostgreSQL's generic plan, which cannot tell a
            // selective selector from a broad one or where the cursor is, and at a million
            // devices picks hash joins over every matching label (a page in 1 s, not 2 ms).
            statement.addCustomizer(
                new StatementCustomizer() {
                  @Override
                  public void beforeExecution(PreparedStatement stmt, StatementContext ctx)
                      throws SQLException {
                    stmt.unwrap(PGStatement.class).setPrepareThreshold(0);
                  }
                });
          }
          return statement.map(device).list();
        });
  }

  /**
   * How the database runs {@link #search} for {@code query}, one line of its plan a string
   * (PostgreSQL's {@code EXPLAIN}, SQLite's {@code EXPLAIN QUERY PLAN}): what the tests and the
   * inventory benchmark check for scans of whole tables.
   */
  public List<String> plan(DeviceQuery query) {
    Search search = Search.of(query);
    return db.read(
        h ->
            db.engine() == Database.Engine.POSTGRESQL
                ? h.createQuery("EXPLAIN " + search.sql())
                    .bindMap(search.binds())
                    .mapTo(String.class)
                    .list()
                : h.createQuery("EXPLAIN QUERY PLAN " + search.sql())
                    .bindMap(search.binds())
                    .map((rs, ctx) -> rs.getString("detail"))
                    .list());
  }

  /** A search's statement and its parameters. */
  private record Search(String sql, Map<String, Object> binds) {
    static Search of(DeviceQuery query) {
      StringBuilder sql = new StringBuilder(DEVICES).append(" WHERE 1 = 1");
      Map<String, Object> binds = new HashMap<>();
      if (query.after() != null) {
        sql.append(" AND (enrolled_at, id) > (:afterAt, :afterId)");
        binds.put("afterAt", query.after().enrolledAt().toEpochMilli());
        binds.put("afterId", query.after().id());
      }
      if (query.status() != null) {
        sql.append(
            query.status() == DeviceQuery.Status.ONLINE
                ? " AND last_seen_at >= :since"
                : " AND (last_seen_at IS NULL OR last_seen_at < :since)");
        binds.put("since", query.onlineSince().toEpochMilli());
      }
      int n = 0;
      for (Selector.Requirement r : query.selector().requirements()) {
        sql.append(" AND ").append(requirement(r, n++, binds));
      }
      sql.append(" ORDER BY enrolled_at, id LIMIT :limit");
      binds.put("limit", query.limit());
      return new Search(sql.toString(), binds);
    }
  }

  /**
   * One requirement as a condition on the device's rows in {@code device_labels}: present with a
   * value ({@code EXISTS}), or not ({@code NOT EXISTS}), each a probe of the table's primary key or
   * its (key, value) index.
   */
  private static String requirement(Selector.Requirement r, int n, Map<String, Object> binds) {
    String key = "k" + n;
    binds.put(key, r.key());
    StringBuilder values = new StringBuilder();
    int i = 0;
    for (String value : r.values()) {
      String name = "v" + n + "_" + i++;
      binds.put(name, value);
      values.append(values.isEmpty() ? ":" : ", :").append(name);
    }
    String probe =
        "SELECT 1 FROM device_labels l WHERE l.device_id = devices.id AND l.key = :" + key;
    return switch (r.operator()) {
      case EQUALS, IN -> "EXISTS (" + probe + " AND l.value IN (" + values + "))";
      case NOT_EQUALS, NOT_IN -> "NOT EXISTS (" + probe + " AND l.value IN (" + values + "))";
      case EXISTS -> "EXISTS (" + probe + ")";
      case NOT_EXISTS -> "NOT EXISTS (" + probe + ")";
    };
  }

  @Override
  public Counts count(Instant since) {
    return db.read(
        h ->
            new Counts(
                h.createQuery("SELECT COUNT(*) FROM devices").mapTo(Long.class).one(),
                h.createQuery("SELECT COUNT(*) FROM devices WHERE last_seen_at >= :since")
                    .bind("since", since)
                    .mapTo(Long.class)
                    .one()));
  }
}
