package dev.verge.hub.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.api.ReportedState;
import dev.verge.core.json.Json;
import dev.verge.core.oip.TensorSpec;
import dev.verge.hub.HubException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * {@link HubStore} on one SQLite file in WAL mode.
 *
 * <p>Writes go through one connection, one transaction at a time ({@code BEGIN IMMEDIATE} under a
 * lock), so writers in this process never contend; a few more connections serve reads, which WAL
 * lets run beside the writer. Every connection waits out locks held by other processes (another
 * hub, a backup) for {@link #BUSY_TIMEOUT_MS} before giving up with {@link HubException.StoreBusy}.
 */
public final class SqliteHubStore implements HubStore {
  static final int BUSY_TIMEOUT_MS = 10_000;
  private static final int READERS = 4;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  private static final System.Logger LOG = System.getLogger(SqliteHubStore.class.getName());

  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  private static final TypeReference<List<TensorSpec>> TENSOR_SPECS = new TypeReference<>() {};

  private final Path file;
  private final Connection writer;
  private final ReentrantLock writeLock = new ReentrantLock();
  private final BlockingQueue<Connection> readers = new ArrayBlockingQueue<>(READERS);
  private final List<Connection> connections = new ArrayList<>();
  private volatile boolean closed;

  private SqliteHubStore(Path file) throws SQLException {
    this.file = file;
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    try {
      writer = config().createConnection(url);
      connections.add(writer);
      migrate(url);
      for (int i = 0; i < READERS; i++) {
        Connection reader = config().createConnection(url);
        connections.add(reader);
        readers.add(reader);
      }
    } catch (SQLException | RuntimeException e) {
      closeConnections();
      throw e;
    }
  }

  /** Opens (creating if needed) and migrates the database in {@code file}. */
  public static SqliteHubStore open(Path file) {
    try {
      return new SqliteHubStore(file);
    } catch (SQLException e) {
      throw wrap("open " + file, e);
    }
  }

  private static SQLiteConfig config() {
    SQLiteConfig config = new SQLiteConfig();
    config.setJournalMode(SQLiteConfig.JournalMode.WAL);
    config.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    config.setBusyTimeout(BUSY_TIMEOUT_MS);
    config.enforceForeignKeys(true);
    return config;
  }

  private static void migrate(String url) {
    SQLiteDataSource source = new SQLiteDataSource(config());
    source.setUrl(url);
    try {
      Flyway.configure(SqliteHubStore.class.getClassLoader())
          .dataSource(source)
          .locations("classpath:db/migration/sqlite")
          .failOnMissingLocations(true)
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new HubException.StoreFailure(
          "cannot migrate the hub database " + url + ": " + e.getMessage(), e);
    }
  }

  // Hub settings.

  private static final String ADMIN_TOKEN_SETTING = "admin_token_sha256";

  @Override
  public Optional<String> adminTokenHash() {
    return read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT value FROM hub_settings WHERE name = ?")) {
            s.setString(1, ADMIN_TOKEN_SETTING);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public boolean initAdminTokenHash(String sha256) {
    return write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO hub_settings (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            s.setString(1, ADMIN_TOKEN_SETTING);
            s.setString(2, sha256);
            return s.executeUpdate() == 1;
          }
        });
  }

  // Publisher keys.

  private static final String KEY_COLUMNS = "key_id, name, public_key_pem, added_at";

  @Override
  public Created<PublisherKeyView> addPublisherKey(PublisherKeyView key) {
    return write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO publisher_keys ("
                      + KEY_COLUMNS
                      + ") VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            s.setString(1, key.keyId());
            s.setString(2, key.name());
            s.setString(3, key.publicKeyPem());
            s.setLong(4, key.addedAt().toEpochMilli());
            boolean created = s.executeUpdate() == 1;
            List<PublisherKeyView> stored =
                publisherKeys(c, "WHERE key_id = ?", List.of(key.keyId()));
            return new Created<>(stored.getFirst(), created);
          }
        });
  }

  @Override
  public List<PublisherKeyView> publisherKeys() {
    return read(c -> publisherKeys(c, "", List.of()));
  }

  private static List<PublisherKeyView> publisherKeys(
      Connection c, String where, List<Object> params) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT "
                + KEY_COLUMNS
                + " FROM publisher_keys "
                + where
                + " ORDER BY added_at, key_id")) {
      bind(s, params);
      try (ResultSet rs = s.executeQuery()) {
        List<PublisherKeyView> keys = new ArrayList<>();
        while (rs.next()) {
          keys.add(
              new PublisherKeyView(
                  rs.getString(1),
                  rs.getString(2),
                  rs.getString(3),
                  Instant.ofEpochMilli(rs.getLong(4))));
        }
        return keys;
      }
    }
  }

  // Model versions.

  private static final String VERSION_COLUMNS =
      "name, version, bundle_digest, bundle_size, publisher_key_id, published_at, inputs_json,"
          + " outputs_json, metadata_json";

  @Override
  public Created<ModelVersionView> addModelVersion(ModelVersionView v) {
    return write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO model_versions ("
                      + VERSION_COLUMNS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            s.setString(1, v.name());
            s.setLong(2, v.version());
            s.setString(3, v.bundleDigest());
            s.setLong(4, v.bundleSize());
            s.setString(5, v.publisherKeyId());
            s.setLong(6, v.publishedAt().toEpochMilli());
            s.setString(7, Json.writeString(v.inputs() == null ? List.of() : v.inputs()));
            s.setString(8, Json.writeString(v.outputs() == null ? List.of() : v.outputs()));
            s.setString(9, Json.writeString(sorted(v.metadata())));
            boolean created = s.executeUpdate() == 1;
            ModelVersionView stored =
                modelVersions(c, "WHERE name = ? AND version = ?", List.of(v.name(), v.version()))
                    .getFirst();
            return new Created<>(stored, created);
          }
        });
  }

  @Override
  public Optional<ModelVersionView> modelVersion(String name, long version) {
    return read(
        c ->
            modelVersions(c, "WHERE name = ? AND version = ?", List.of(name, version)).stream()
                .findFirst());
  }

  @Override
  public List<ModelVersionView> modelVersions() {
    return read(c -> modelVersions(c, "", List.of()));
  }

  @Override
  public List<ModelVersionView> modelVersions(String name) {
    return read(c -> modelVersions(c, "WHERE name = ?", List.of(name)));
  }

  @Override
  public Optional<ModelVersionView> modelVersionByDigest(String bundleDigest) {
    return read(
        c ->
            modelVersions(c, "WHERE bundle_digest = ?", List.of(bundleDigest)).stream()
                .findFirst());
  }

  private List<ModelVersionView> modelVersions(Connection c, String where, List<Object> params)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT "
                + VERSION_COLUMNS
                + " FROM model_versions "
                + where
                + " ORDER BY name, version")) {
      bind(s, params);
      try (ResultSet rs = s.executeQuery()) {
        List<ModelVersionView> versions = new ArrayList<>();
        while (rs.next()) {
          versions.add(
              new ModelVersionView(
                  rs.getString(1),
                  rs.getLong(2),
                  rs.getString(3),
                  rs.getLong(4),
                  rs.getString(5),
                  Instant.ofEpochMilli(rs.getLong(6)),
                  fromJson(rs.getString(7), TENSOR_SPECS, "model_versions.inputs_json"),
                  fromJson(rs.getString(8), TENSOR_SPECS, "model_versions.outputs_json"),
                  fromJson(rs.getString(9), STRING_MAP, "model_versions.metadata_json")));
        }
        return versions;
      }
    }
  }

  // Enrollment and devices.

  @Override
  public void addEnrollmentToken(
      String tokenHash, Instant createdAt, Instant expiresAt, String note) {
    write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO enrollment_tokens (token_sha256, note, created_at, expires_at)"
                      + " VALUES (?, ?, ?, ?)")) {
            s.setString(1, tokenHash);
            s.setString(2, note);
            s.setLong(3, createdAt.toEpochMilli());
            s.setLong(4, expiresAt.toEpochMilli());
            s.executeUpdate();
            return null;
          }
        });
  }

  @Override
  public boolean enroll(String tokenHash, Instant now, NewDevice device) {
    return write(
        c -> {
          try (PreparedStatement use =
              c.prepareStatement(
                  "UPDATE enrollment_tokens SET used_at = ?, used_by = ?"
                      + " WHERE token_sha256 = ? AND used_at IS NULL AND expires_at > ?")) {
            use.setLong(1, now.toEpochMilli());
            use.setString(2, device.id());
            use.setString(3, tokenHash);
            use.setLong(4, now.toEpochMilli());
            if (use.executeUpdate() != 1) {
              return false;
            }
          }
          try (PreparedStatement add =
              c.prepareStatement(
                  "INSERT INTO devices (id, name, labels_json, credential_sha256, agent_version,"
                      + " platform, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            add.setString(1, device.id());
            add.setString(2, device.name());
            add.setString(3, Json.writeString(sorted(device.labels())));
            add.setString(4, device.credentialHash());
            add.setString(5, device.agentVersion());
            add.setString(6, device.platform());
            add.setLong(7, device.enrolledAt().toEpochMilli());
            add.executeUpdate();
          }
          return true;
        });
  }

  @Override
  public Optional<String> deviceIdByCredential(String credentialHash) {
    return read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT id FROM devices WHERE credential_sha256 = ?")) {
            s.setString(1, credentialHash);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
            }
          }
        });
  }

  @Override
  public Optional<DeviceView> device(String id) {
    return read(c -> devices(c, "WHERE d.id = ?", List.of(id)).stream().findFirst());
  }

  @Override
  public List<DeviceView> devices() {
    return read(c -> devices(c, "", List.of()));
  }

  private List<DeviceView> devices(Connection c, String where, List<Object> params)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT d.id, d.name, d.labels_json, d.enrolled_at, d.last_seen_at, d.reported_json,"
                + " (SELECT COUNT(*) FROM predictions p WHERE p.device_id = d.id)"
                + " FROM devices d "
                + where
                + " ORDER BY d.enrolled_at, d.id")) {
      bind(s, params);
      try (ResultSet rs = s.executeQuery()) {
        List<DeviceView> devices = new ArrayList<>();
        while (rs.next()) {
          String reported = rs.getString(6);
          devices.add(
              new DeviceView(
                  rs.getString(1),
                  rs.getString(2),
                  fromJson(rs.getString(3), STRING_MAP, "devices.labels_json"),
                  Instant.ofEpochMilli(rs.getLong(4)),
                  instantOrNull(rs, 5),
                  reported == null
                      ? null
                      : fromJson(reported, ReportedState.class, "devices.reported_json"),
                  rs.getLong(7)));
        }
        return devices;
      }
    }
  }

  @Override
  public void touchDevice(String id, Instant seenAt) {
    write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE devices SET last_seen_at = ?"
                      + " WHERE id = ? AND (last_seen_at IS NULL OR last_seen_at < ?)")) {
            s.setLong(1, seenAt.toEpochMilli());
            s.setString(2, id);
            s.setLong(3, seenAt.toEpochMilli());
            s.executeUpdate();
            return null;
          }
        });
  }

  @Override
  public boolean saveReported(String id, ReportedState state, Instant reportedAt) {
    return write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE devices SET reported_json = ?, reported_at = ?,"
                      + " labels_json = COALESCE(?, labels_json) WHERE id = ?")) {
            s.setString(1, Json.writeString(state));
            s.setLong(2, reportedAt.toEpochMilli());
            s.setString(
                3, state.labels() == null ? null : Json.writeString(sorted(state.labels())));
            s.setString(4, id);
            return s.executeUpdate() == 1;
          }
        });
  }

  // Deployments.

  private static final String DEPLOYMENT_QUERY =
      "SELECT d.id, d.model, d.version, d.selector_json, d.rollback, d.created_at,"
          + " m.bundle_digest, m.bundle_size"
          + " FROM deployments d JOIN model_versions m ON m.name = d.model AND m.version = d.version ";

  @Override
  public Optional<DeploymentRow> addDeployment(DeploymentRequest request, Instant createdAt) {
    return write(
        c -> {
          try (PreparedStatement exists =
              c.prepareStatement("SELECT 1 FROM model_versions WHERE name = ? AND version = ?")) {
            exists.setString(1, request.model());
            exists.setLong(2, request.version());
            try (ResultSet rs = exists.executeQuery()) {
              if (!rs.next()) {
                return Optional.empty();
              }
            }
          }
          long id;
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO deployments (model, version, selector_json, rollback, created_at)"
                      + " VALUES (?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, request.model());
            s.setLong(2, request.version());
            s.setString(
                3,
                Json.writeString(
                    sorted(dev.verge.hub.deploy.EqualitySelector.pairs(request.selector()))));
            s.setBoolean(4, request.rollback());
            s.setLong(5, createdAt.toEpochMilli());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
              keys.next();
              id = keys.getLong(1);
            }
          }
          return deployments(c, "WHERE d.id = ?", List.of(id)).stream().findFirst();
        });
  }

  @Override
  public Optional<DeploymentRow> deployment(long id) {
    return read(c -> deployments(c, "WHERE d.id = ?", List.of(id)).stream().findFirst());
  }

  @Override
  public List<DeploymentRow> deployments() {
    return read(c -> deployments(c, "", List.of()));
  }

  private List<DeploymentRow> deployments(Connection c, String where, List<Object> params)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(DEPLOYMENT_QUERY + where + " ORDER BY d.id DESC")) {
      bind(s, params);
      try (ResultSet rs = s.executeQuery()) {
        List<DeploymentRow> rows = new ArrayList<>();
        while (rs.next()) {
          rows.add(
              new DeploymentRow(
                  rs.getLong(1),
                  rs.getString(2),
                  rs.getLong(3),
                  fromJson(rs.getString(4), STRING_MAP, "deployments.selector_json"),
                  rs.getBoolean(5),
                  Instant.ofEpochMilli(rs.getLong(6)),
                  rs.getString(7),
                  rs.getLong(8)));
        }
        return rows;
      }
    }
  }

  // Telemetry.

  @Override
  public BatchAck recordBatch(
      String deviceId, String idempotencyKey, List<PredictionRecord> records, Instant receivedAt) {
    return write(
        c -> {
          try (PreparedStatement key =
              c.prepareStatement(
                  "INSERT INTO prediction_batches (device_id, idempotency_key, received_at,"
                      + " accepted) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING")) {
            key.setString(1, deviceId);
            key.setString(2, idempotencyKey);
            key.setLong(3, receivedAt.toEpochMilli());
            if (key.executeUpdate() == 0) {
              return new BatchAck(0, true);
            }
          }
          int accepted = 0;
          try (PreparedStatement add =
              c.prepareStatement(
                  "INSERT INTO predictions (device_id, sequence, time, model, version,"
                      + " latency_micros, request_id, outputs_json, received_at)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (PredictionRecord r : records) {
              add.setString(1, deviceId);
              add.setLong(2, r.sequence());
              add.setString(3, r.time().toString());
              add.setString(4, r.model());
              add.setLong(5, r.version());
              add.setLong(6, r.latencyMicros());
              add.setString(7, r.requestId());
              if (r.outputs() == null) {
                add.setNull(8, Types.VARCHAR);
              } else {
                add.setString(8, Json.writeString(r.outputs()));
              }
              add.setLong(9, receivedAt.toEpochMilli());
              accepted += add.executeUpdate();
            }
          }
          try (PreparedStatement count =
              c.prepareStatement(
                  "UPDATE prediction_batches SET accepted = ?"
                      + " WHERE device_id = ? AND idempotency_key = ?")) {
            count.setInt(1, accepted);
            count.setString(2, deviceId);
            count.setString(3, idempotencyKey);
            count.executeUpdate();
          }
          return new BatchAck(accepted, false);
        });
  }

  @Override
  public List<PredictionRecord> predictions(String deviceId, long afterSequence, int limit) {
    return read(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT sequence, time, model, version, latency_micros, request_id, outputs_json"
                      + " FROM predictions WHERE device_id = ? AND sequence > ?"
                      + " ORDER BY sequence LIMIT ?")) {
            s.setString(1, deviceId);
            s.setLong(2, afterSequence);
            s.setInt(3, limit);
            try (ResultSet rs = s.executeQuery()) {
              List<PredictionRecord> records = new ArrayList<>();
              while (rs.next()) {
                String outputs = rs.getString(7);
                records.add(
                    new PredictionRecord(
                        rs.getLong(1),
                        Instant.parse(rs.getString(2)),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getString(6),
                        outputs == null
                            ? null
                            : fromJson(outputs, JsonNode.class, "predictions.outputs_json")));
              }
              return records;
            }
          }
        });
  }

  // Plumbing.

  @FunctionalInterface
  private interface SqlWork<T> {
    T run(Connection connection) throws SQLException;
  }

  private <T> T read(SqlWork<T> work) {
    Connection c = borrowReader();
    try {
      return work.run(c);
    } catch (SQLException e) {
      throw wrap("read " + file.getFileName(), e);
    } finally {
      readers.add(c);
    }
  }

  private Connection borrowReader() {
    requireOpen();
    try {
      return readers.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HubException.StoreBusy("interrupted while waiting for a database connection", e);
    }
  }

  private <T> T write(SqlWork<T> work) {
    writeLock.lock();
    try {
      requireOpen();
      execute("BEGIN IMMEDIATE");
      T result;
      try {
        result = work.run(writer);
        execute("COMMIT");
      } catch (SQLException | RuntimeException | Error e) {
        rollback(e);
        throw e;
      }
      return result;
    } catch (SQLException e) {
      throw wrap("write " + file.getFileName(), e);
    } finally {
      writeLock.unlock();
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement s = writer.createStatement()) {
      s.execute(sql);
    }
  }

  private void rollback(Throwable failure) {
    try {
      execute("ROLLBACK");
    } catch (SQLException e) {
      // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR); then there is
      // no transaction left to end, and the original failure is what matters.
      failure.addSuppressed(e);
    }
  }

  private void requireOpen() {
    if (closed) {
      throw new HubException.StoreBusy("the hub store is closed", null);
    }
  }

  private static HubException wrap(String what, SQLException e) {
    int primary = e.getErrorCode() & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
      return new HubException.StoreBusy(
          "the hub database stayed busy for " + BUSY_TIMEOUT_MS + " ms; retry later", e);
    }
    return new HubException.StoreFailure("cannot " + what + ": " + e.getMessage(), e);
  }

  private static void bind(PreparedStatement s, List<Object> params) throws SQLException {
    for (int i = 0; i < params.size(); i++) {
      s.setObject(i + 1, params.get(i));
    }
  }

  private static Instant instantOrNull(ResultSet rs, int column) throws SQLException {
    long millis = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
  }

  private static Map<String, String> sorted(Map<String, String> map) {
    return map == null ? Map.of() : new TreeMap<>(map);
  }

  private static <T> T fromJson(String text, TypeReference<T> type, String column) {
    try {
      return Json.mapper().readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new HubException.StoreFailure(
          column + " holds unreadable JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static <T> T fromJson(String text, Class<T> type, String column) {
    try {
      return Json.mapper().readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new HubException.StoreFailure(
          column + " holds unreadable JSON: " + e.getOriginalMessage(), e);
    }
  }

  @Override
  public void close() {
    writeLock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      closeConnections();
    } finally {
      writeLock.unlock();
    }
  }

  private void closeConnections() {
    for (Connection c : connections) {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.log(System.Logger.Level.WARNING, "cannot close a connection to " + file, e);
      }
    }
  }
}
