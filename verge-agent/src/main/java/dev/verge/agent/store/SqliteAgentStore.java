package dev.verge.agent.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import dev.verge.sqlite.Sqlite;
import dev.verge.sqlite.SqliteOpenException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * {@link AgentStore} on one SQLite file in WAL mode with {@code synchronous=FULL}: every commit
 * (predictions, counters, health counters, identity, models) is synced to disk before it returns,
 * so what a commit acknowledged survives a power cut; the capture writer's group commit keeps that
 * to one fsync per batch of records. One connection serves the process, one transaction at a time
 * under a lock; the file is readable by its owner only, since it holds the device credential.
 *
 * <p>A budget covers the database and its {@code -wal} and {@code -shm} files together, split as
 * {@link StoreBudget} says; a full budget or disk is a {@link StoreFullException}, rolled back.
 */
public final class SqliteAgentStore implements AgentStore {
  static final int BUSY_TIMEOUT_MS = 10_000;
  private static final String SERVED = "predictions_served";
  private static final String FAILED = "predictions_failed";
  private static final System.Logger LOG = System.getLogger(SqliteAgentStore.class.getName());
  private static final TypeReference<List<Long>> LATENCY = new TypeReference<>() {};
  private static final TypeReference<Map<String, VersionTally.OutputSum>> OUTPUTS =
      new TypeReference<>() {};
  private static final String MIGRATIONS = "classpath:db/migration/agent";

  /**
   * The file holds the device credential: owner-only. The schema declares no foreign keys. Every
   * commit is synced to disk.
   */
  private static final Sqlite.Options OPEN_OPTIONS =
      Sqlite.Options.DEFAULT
          .withBusyTimeout(Duration.ofMillis(BUSY_TIMEOUT_MS))
          .withOwnerOnly(true)
          .withForeignKeys(false)
          .withDurability(Sqlite.Durability.POWER_CUT);

  /** How many of the oldest forwarded predictions one pruning pass deletes at most. */
  static final int PRUNE_BATCH = 1_000;

  /**
   * Free space the store wants, beyond its log's share, before it says it has room again after
   * being full: a few records' worth, so that readiness does not flap with every record.
   */
  static final long ROOM_BYTES = 64 * 1024;

  private final Path file;
  private final Connection connection;
  private final StoreBudget budget;
  private final StoreEvents events;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile boolean keepNewest;
  private boolean closed;

  // The capture writer's statements, prepared once: compiling them anew cost about a tenth of a
  // one-record commit. Used under the lock only, on the one connection; closed with it.
  private PreparedStatement insertPrediction;
  private PreparedStatement lastSequence;

  private SqliteAgentStore(
      Path file, Connection connection, StoreBudget budget, StoreEvents events) {
    this.file = file;
    this.connection = connection;
    this.budget = budget;
    this.events = events;
  }

  /**
   * Opens {@code file}, creating it owner-only when absent, and brings its schema up to date.
   *
   * @throws StoreException naming the file when it cannot be opened or migrated
   */
  public static SqliteAgentStore open(Path file) {
    return open(file, 0);
  }

  /**
   * Opens {@code file} with a budget: the database and its log together never grow past {@code
   * maxBytes} (0 for no budget). When full, recording a prediction first deletes the oldest ones
   * the hub already has.
   *
   * @throws StoreException naming the file when it cannot be opened or migrated
   */
  public static SqliteAgentStore open(Path file, long maxBytes) {
    return open(file, maxBytes, StoreEvents.NONE);
  }

  /**
   * Opens {@code file} with a budget, telling {@code events} of every recorded and pruned
   * prediction.
   *
   * @throws StoreException naming the file when it cannot be opened or migrated
   */
  public static SqliteAgentStore open(Path file, long maxBytes, StoreEvents events) {
    return open(file, maxBytes, events, Sqlite.Durability.POWER_CUT);
  }

  /**
   * Opens {@code file} as {@link #open(Path, long, StoreEvents)} does, with commits that survive
   * what {@code durability} says. The agent always opens its store with {@link
   * Sqlite.Durability#POWER_CUT}; {@link Sqlite.Durability#PROCESS_CRASH} ({@code
   * synchronous=NORMAL}) is there to measure what durability costs.
   *
   * @throws StoreException naming the file when it cannot be opened or migrated
   */
  public static SqliteAgentStore open(
      Path file, long maxBytes, StoreEvents events, Sqlite.Durability durability) {
    Sqlite sqlite;
    try {
      sqlite = Sqlite.open(file, MIGRATIONS, OPEN_OPTIONS.withDurability(durability));
    } catch (SqliteOpenException e) {
      throw new StoreException("cannot open the agent store: " + e.getMessage(), e);
    }
    try {
      Connection connection = sqlite.connect();
      StoreBudget budget = StoreBudget.of(Math.max(0, maxBytes), pragma(connection, "page_size"));
      limit(connection, budget, sqlite.file());
      return new SqliteAgentStore(sqlite.file(), connection, budget, events);
    } catch (SQLException e) {
      throw new StoreException("cannot open the agent store " + sqlite.file() + ": " + e, e);
    }
  }

  /**
   * Caps the database ({@code max_page_count}: SQLite answers SQLITE_FULL past it, exactly as on a
   * full disk) and its log (checkpoint interval, size it is trimmed to) as {@code budget} says.
   */
  private static void limit(Connection connection, StoreBudget budget, Path file)
      throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA wal_autocheckpoint = " + budget.checkpointPages());
      s.execute("PRAGMA journal_size_limit = " + budget.journalLimitBytes());
      if (budget.maxPageCount() > 0) {
        s.execute("PRAGMA max_page_count = " + budget.maxPageCount());
        long pages = pragma(connection, "page_count");
        if (pages > budget.maxPageCount()) {
          // SQLite cannot cap a database below its size; pages freed by pruning are reused.
          LOG.log(
              System.Logger.Level.WARNING,
              "the agent store {0} takes {1} KiB, more than the {2} KiB its budget leaves the"
                  + " database beside its log; it stays that size (freed pages are reused)",
              file,
              pages * budget.pageSize() / 1024,
              budget.databaseBytes() / 1024);
        }
      }
    }
  }

  // Identity.

  @Override
  public Optional<Identity> identity() {
    return transaction(
        "read the identity",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement("SELECT device_id, credential FROM identity WHERE id = 1");
              ResultSet rs = s.executeQuery()) {
            return rs.next()
                ? Optional.of(new Identity(rs.getString(1), rs.getString(2)))
                : Optional.empty();
          }
        });
  }

  @Override
  public void saveIdentity(Identity identity) {
    transaction(
        "save the identity",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO identity (id, device_id, credential, enrolled_at) VALUES (1, ?, ?, ?)"
                      + " ON CONFLICT DO NOTHING")) {
            s.setString(1, identity.deviceId());
            s.setString(2, identity.credential());
            s.setLong(3, System.currentTimeMillis());
            if (s.executeUpdate() != 1) {
              throw new IllegalStateException("this store holds an identity already");
            }
          }
          return null;
        });
  }

  // Models and bundles.

  private static final String MODEL_COLUMNS =
      "name, active_version, active_digest, highest_version";

  @Override
  public List<ModelState> models() {
    return transaction(
        "read the models",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement("SELECT " + MODEL_COLUMNS + " FROM models ORDER BY name");
              ResultSet rs = s.executeQuery()) {
            List<ModelState> models = new ArrayList<>();
            while (rs.next()) {
              models.add(modelState(rs));
            }
            return models;
          }
        });
  }

  @Override
  public Optional<ModelState> model(String name) {
    return transaction(
        "read model " + name,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("SELECT " + MODEL_COLUMNS + " FROM models WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(modelState(rs)) : Optional.empty();
            }
          }
        });
  }

  private static ModelState modelState(ResultSet rs) throws SQLException {
    long active = rs.getLong(2);
    Long activeVersion = rs.wasNull() ? null : active;
    return new ModelState(rs.getString(1), activeVersion, rs.getString(3), rs.getLong(4));
  }

  @Override
  public void activate(InstalledBundle bundle) {
    transaction(
        "activate " + bundle.model() + " v" + bundle.version(),
        c -> {
          long now = System.currentTimeMillis();
          insertBundle(c, bundle, now);
          setActive(c, bundle, now);
          return null;
        });
  }

  /** Makes {@code bundle} its model's active version, raising the highest version if higher. */
  private static void setActive(Connection c, InstalledBundle bundle, long now)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO models (name, active_version, active_digest, highest_version,"
                + " changed_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (name) DO UPDATE SET active_version = excluded.active_version,"
                + " active_digest = excluded.active_digest,"
                + " highest_version = max(highest_version, excluded.highest_version),"
                + " changed_at = excluded.changed_at")) {
      s.setString(1, bundle.model());
      s.setLong(2, bundle.version());
      s.setString(3, bundle.digest());
      s.setLong(4, bundle.version());
      s.setLong(5, now);
      s.executeUpdate();
    }
  }

  /** Keeps {@code bundle} among the installed ones; one already there stays as it was. */
  private static void insertBundle(Connection c, InstalledBundle bundle, long now)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO bundles (digest, model, version, size, installed_at)"
                + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING")) {
      s.setString(1, bundle.digest());
      s.setString(2, bundle.model());
      s.setLong(3, bundle.version());
      s.setLong(4, bundle.size());
      s.setLong(5, now);
      s.executeUpdate();
    }
  }

  @Override
  public void deactivate(String model) {
    transaction(
        "deactivate " + model,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE models SET active_version = NULL, active_digest = NULL, changed_at = ?"
                      + " WHERE name = ?")) {
            s.setLong(1, System.currentTimeMillis());
            s.setString(2, model);
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public void serveBeside(InstalledBundle bundle, long deploymentId) {
    transaction(
        "serve " + bundle.model() + " v" + bundle.version() + " side by side",
        c -> {
          long now = System.currentTimeMillis();
          insertBundle(c, bundle, now);
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO side_by_side_versions (model, version, digest, deployment_id,"
                      + " changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (model, version) DO UPDATE"
                      + " SET digest = excluded.digest, deployment_id = excluded.deployment_id,"
                      + " changed_at = excluded.changed_at")) {
            s.setString(1, bundle.model());
            s.setLong(2, bundle.version());
            s.setString(3, bundle.digest());
            s.setLong(4, deploymentId);
            s.setLong(5, now);
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public void stopBeside(String model, long version) {
    transaction(
        "stop serving " + model + " v" + version + " side by side",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM side_by_side_versions WHERE model = ? AND version = ?")) {
            s.setString(1, model);
            s.setLong(2, version);
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<BesideVersion> besideVersions() {
    return transaction(
        "read the side-by-side versions",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT model, version, digest, deployment_id FROM side_by_side_versions"
                          + " ORDER BY model, version");
              ResultSet rs = s.executeQuery()) {
            List<BesideVersion> versions = new ArrayList<>();
            while (rs.next()) {
              versions.add(
                  new BesideVersion(
                      rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4)));
            }
            return versions;
          }
        });
  }

  @Override
  public List<InstalledBundle> bundles() {
    return transaction(
        "read the bundles",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT digest, model, version, size FROM bundles ORDER BY model, version");
              ResultSet rs = s.executeQuery()) {
            List<InstalledBundle> bundles = new ArrayList<>();
            while (rs.next()) {
              bundles.add(
                  new InstalledBundle(
                      rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)));
            }
            return bundles;
          }
        });
  }

  // The installation journal, refused versions and bundle garbage collection (issue 9).

  private static final String INSTALL_COLUMNS =
      "model, version, digest, deployment_id, step, runs, previous_version, previous_digest,"
          + " health_since, answered, answered_before";

  @Override
  public List<InstallEntry> installs() {
    return transaction(
        "read the installation journal",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT "
                          + INSTALL_COLUMNS
                          + " FROM install_journal ORDER BY model, on_trial DESC");
              ResultSet rs = s.executeQuery()) {
            List<InstallEntry> entries = new ArrayList<>();
            while (rs.next()) {
              entries.add(installEntry(rs));
            }
            return entries;
          }
        });
  }

  @Override
  public Optional<InstallEntry> install(String model) {
    return transaction(
        "read the install of " + model,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT "
                      + INSTALL_COLUMNS
                      + " FROM install_journal WHERE model = ? AND on_trial = 0")) {
            s.setString(1, model);
            try (ResultSet rs = s.executeQuery()) {
              return rs.next() ? Optional.of(installEntry(rs)) : Optional.empty();
            }
          }
        });
  }

  private static InstallEntry installEntry(ResultSet rs) throws SQLException {
    String step = rs.getString(5);
    InstallStep parsed;
    try {
      parsed = InstallStep.valueOf(step);
    } catch (IllegalArgumentException e) {
      throw new SQLException("unknown install step '" + step + "' of " + rs.getString(1), e);
    }
    return new InstallEntry(
        rs.getString(1),
        rs.getLong(2),
        rs.getString(3),
        nullableLong(rs, 4),
        parsed,
        rs.getInt(6),
        nullableLong(rs, 7),
        rs.getString(8),
        nullableInstant(rs, 9),
        rs.getLong(10),
        rs.getLong(11));
  }

  private static Long nullableLong(ResultSet rs, int column) throws SQLException {
    long value = rs.getLong(column);
    return rs.wasNull() ? null : value;
  }

  private static Instant nullableInstant(ResultSet rs, int column) throws SQLException {
    Long millis = nullableLong(rs, column);
    return millis == null ? null : Instant.ofEpochMilli(millis);
  }

  private static void setNullableLong(PreparedStatement s, int index, Long value)
      throws SQLException {
    if (value == null) {
      s.setNull(index, Types.INTEGER);
    } else {
      s.setLong(index, value);
    }
  }

  @Override
  public void saveInstall(InstallEntry entry, InstalledBundle bundle) {
    transaction(
        "journal " + entry.model() + " v" + entry.version() + " at " + entry.step(),
        c -> {
          long now = System.currentTimeMillis();
          if (bundle != null) {
            insertBundle(c, bundle, now);
          }
          upsertInstall(c, entry, now);
          return null;
        });
  }

  private static void upsertInstall(Connection c, InstallEntry entry, long now)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO install_journal ("
                + INSTALL_COLUMNS
                + ", changed_at, on_trial) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (model, on_trial) DO UPDATE SET version = excluded.version, digest = excluded.digest,"
                + " deployment_id = excluded.deployment_id, step = excluded.step,"
                + " runs = excluded.runs, previous_version = excluded.previous_version,"
                + " previous_digest = excluded.previous_digest,"
                + " health_since = excluded.health_since, answered = excluded.answered,"
                + " answered_before = excluded.answered_before, changed_at = excluded.changed_at")) {
      s.setString(1, entry.model());
      s.setLong(2, entry.version());
      s.setString(3, entry.digest());
      setNullableLong(s, 4, entry.deploymentId());
      s.setString(5, entry.step().name());
      s.setInt(6, entry.runs());
      setNullableLong(s, 7, entry.previousVersion());
      s.setString(8, entry.previousDigest());
      setNullableLong(
          s, 9, entry.healthSince() == null ? null : entry.healthSince().toEpochMilli());
      s.setLong(10, entry.answered());
      s.setLong(11, entry.answeredBefore());
      s.setLong(12, now);
      s.setInt(13, entry.step() == InstallStep.HEALTH ? 1 : 0);
      s.executeUpdate();
    }
  }

  @Override
  public void saveTrialProgress(InstallEntry entry) {
    transaction(
        "journal the trial of " + entry.model() + " v" + entry.version(),
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE install_journal SET answered = ?, answered_before = ?, changed_at = ?"
                      + " WHERE model = ? AND on_trial = 1 AND version = ? AND digest = ?")) {
            s.setLong(1, entry.answered());
            s.setLong(2, entry.answeredBefore());
            s.setLong(3, System.currentTimeMillis());
            s.setString(4, entry.model());
            s.setLong(5, entry.version());
            s.setString(6, entry.digest());
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public void activateOnTrial(InstalledBundle bundle, InstallEntry entry) {
    if (!entry.model().equals(bundle.model()) || !entry.digest().equals(bundle.digest())) {
      throw new IllegalArgumentException(
          "the install of " + entry.model() + " is not for bundle " + bundle.digest());
    }
    if (entry.step() != InstallStep.HEALTH) {
      throw new IllegalArgumentException("an entry on trial is at HEALTH, not " + entry.step());
    }
    transaction(
        "activate " + bundle.model() + " v" + bundle.version() + " on trial",
        c -> {
          long now = System.currentTimeMillis();
          insertBundle(c, bundle, now);
          setActive(c, bundle, now);
          deleteInstall(c, entry.model());
          upsertInstall(c, entry, now);
          return null;
        });
  }

  @Override
  public void commitInstall(String model, String digest) {
    transaction(
        "commit the install of " + model,
        c -> {
          long now = System.currentTimeMillis();
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM install_journal WHERE model = ? AND on_trial = 1 AND digest = ?")) {
            s.setString(1, model);
            s.setString(2, digest);
            s.executeUpdate();
          }
          try (PreparedStatement s =
              c.prepareStatement("UPDATE bundles SET committed_at = ? WHERE digest = ?")) {
            s.setLong(1, now);
            s.setString(2, digest);
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public void dropInstall(String model) {
    transaction(
        "drop the install of " + model,
        c -> {
          deleteInstall(c, model);
          return null;
        });
  }

  @Override
  public void endInstall(InstallEntry entry) {
    transaction(
        "end the install of " + entry.model() + " v" + entry.version(),
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM install_journal WHERE model = ? AND on_trial = ? AND version = ?"
                      + " AND digest = ?")) {
            s.setString(1, entry.model());
            s.setInt(2, entry.step() == InstallStep.HEALTH ? 1 : 0);
            s.setLong(3, entry.version());
            s.setString(4, entry.digest());
            s.executeUpdate();
          }
          return null;
        });
  }

  private static void deleteInstall(Connection c, String model) throws SQLException {
    try (PreparedStatement s = c.prepareStatement("DELETE FROM install_journal WHERE model = ?")) {
      s.setString(1, model);
      s.executeUpdate();
    }
  }

  @Override
  public void refuse(RefusedVersion refusal, boolean keepActive, InstalledBundle activeNow) {
    if (activeNow != null && !activeNow.model().equals(refusal.model())) {
      throw new IllegalArgumentException(
          activeNow.model() + " cannot serve for " + refusal.model());
    }
    transaction(
        "refuse " + refusal.model() + " v" + refusal.version(),
        c -> {
          long now = System.currentTimeMillis();
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM install_journal WHERE model = ? AND version = ? AND digest = ?")) {
            s.setString(1, refusal.model());
            s.setLong(2, refusal.version());
            s.setString(3, refusal.digest());
            s.executeUpdate();
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO refused_versions (model, version, digest, deployment_id,"
                      + " check_name, reason, refused_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (model) DO UPDATE SET version = excluded.version,"
                      + " digest = excluded.digest, deployment_id = excluded.deployment_id,"
                      + " check_name = excluded.check_name, reason = excluded.reason,"
                      + " refused_at = excluded.refused_at")) {
            s.setString(1, refusal.model());
            s.setLong(2, refusal.version());
            s.setString(3, refusal.digest());
            setNullableLong(s, 4, refusal.deploymentId());
            s.setString(5, refusal.check());
            s.setString(6, refusal.reason());
            s.setLong(7, refusal.at().toEpochMilli());
            s.executeUpdate();
          }
          if (keepActive) {
            return null;
          }
          if (activeNow != null) {
            insertBundle(c, activeNow, now);
            setActive(c, activeNow, now);
          } else {
            try (PreparedStatement s =
                c.prepareStatement(
                    "UPDATE models SET active_version = NULL, active_digest = NULL,"
                        + " changed_at = ? WHERE name = ?")) {
              s.setLong(1, now);
              s.setString(2, refusal.model());
              s.executeUpdate();
            }
          }
          return null;
        });
  }

  @Override
  public List<RefusedVersion> refusedVersions() {
    return transaction(
        "read the refused versions",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT model, version, digest, deployment_id, check_name, reason,"
                          + " refused_at FROM refused_versions ORDER BY model");
              ResultSet rs = s.executeQuery()) {
            List<RefusedVersion> refused = new ArrayList<>();
            while (rs.next()) {
              refused.add(
                  new RefusedVersion(
                      rs.getString(1),
                      rs.getLong(2),
                      rs.getString(3),
                      nullableLong(rs, 4),
                      rs.getString(5),
                      rs.getString(6),
                      Instant.ofEpochMilli(rs.getLong(7))));
            }
            return refused;
          }
        });
  }

  @Override
  public void forgetRefusal(String model) {
    transaction(
        "forget the refused version of " + model,
        c -> {
          try (PreparedStatement s =
              c.prepareStatement("DELETE FROM refused_versions WHERE model = ?")) {
            s.setString(1, model);
            s.executeUpdate();
          }
          return null;
        });
  }

  @Override
  public List<KeptBundle> keptBundles() {
    return transaction(
        "read the kept bundles",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT digest, model, version, size, installed_at, committed_at FROM"
                          + " bundles ORDER BY model, committed_at IS NULL, committed_at DESC,"
                          + " installed_at DESC, version DESC");
              ResultSet rs = s.executeQuery()) {
            List<KeptBundle> kept = new ArrayList<>();
            while (rs.next()) {
              kept.add(
                  new KeptBundle(
                      new InstalledBundle(
                          rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4)),
                      Instant.ofEpochMilli(rs.getLong(5)),
                      nullableInstant(rs, 6)));
            }
            return kept;
          }
        });
  }

  @Override
  public void forgetBundle(String digest) {
    transaction(
        "forget bundle " + digest,
        c -> {
          try (PreparedStatement s = c.prepareStatement("DELETE FROM bundles WHERE digest = ?")) {
            s.setString(1, digest);
            s.executeUpdate();
          }
          return null;
        });
  }

  // Predictions.

  /**
   * Records {@code predictions} and the counters in one transaction. When the store is full,
   * deletes the oldest predictions the hub already has and tries again; when none is left to
   * delete, refuses rather than drop one the hub lacks.
   *
   * @throws StoreFullException when neither the budget nor the disk leaves room
   */
  @Override
  public long[] recordAll(List<Prediction> predictions, long unrecordedServed, long failed) {
    if (unrecordedServed < 0 || failed < 0) {
      throw new IllegalArgumentException(
          "counts must be 0 or more, got " + unrecordedServed + " and " + failed);
    }
    if (predictions.isEmpty() && unrecordedServed == 0 && failed == 0) {
      return new long[0];
    }
    long[] sequences = insertPruning(predictions, unrecordedServed, failed);
    for (int i = 0; i < predictions.size(); i++) {
      events.recorded();
    }
    return sequences;
  }

  private long[] insertPruning(List<Prediction> predictions, long unrecordedServed, long failed) {
    while (true) {
      try {
        return insert(predictions, unrecordedServed, failed);
      } catch (StoreException e) {
        if (!isFull(e)) {
          throw e;
        }
        if (!makeRoom()) {
          throw full(e);
        }
      }
    }
  }

  /**
   * One pruning pass: the oldest predictions the hub has, or, when none is left on a metered device
   * (which keeps its newest), the oldest it lacks; whether it deleted any.
   */
  private boolean makeRoom() {
    int pruned = pruneSynced();
    if (pruned > 0) {
      events.pruned(pruned);
      return true;
    }
    if (keepNewest) {
      int discarded = pruneOldestUnsynced();
      if (discarded > 0) {
        events.discarded(discarded);
        return true;
      }
    }
    return false;
  }

  private StoreFullException full(StoreException full) {
    long pending = counters().pending();
    return new StoreFullException(
        "the prediction store "
            + file
            + " is full ("
            + (budget.budgetBytes() <= 0
                ? "disk full"
                : budget.budgetBytes() >= 1024 * 1024
                    ? "budget " + budget.budgetBytes() / (1024 * 1024) + " MiB"
                    : "budget " + budget.budgetBytes() / 1024 + " KiB")
            + ") and all "
            + pending
            + " predictions in it still wait for the hub; new predictions are refused until"
            + " they are forwarded, the budget is raised (--max-store-mb) or disk space is freed",
        full);
  }

  private static boolean isFull(StoreException e) {
    return e.getCause() instanceof SQLiteException sqlite
        && sqlite.getResultCode() == SQLiteErrorCode.SQLITE_FULL;
  }

  /**
   * Deletes the oldest forwarded predictions, up to {@link #PRUNE_BATCH} of them and the budget's
   * {@link StoreBudget#writeLimitBytes} of records (always at least one), so that the deletion's
   * share of the log stays within the budget; returns how many.
   */
  int pruneSynced() {
    return transaction(
        "delete forwarded predictions",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM predictions WHERE sequence IN (SELECT sequence FROM (SELECT"
                      + " sequence, row_number() OVER w AS n, sum(octet_length(outputs_json)"
                      + " + coalesce(octet_length(inputs_json), 0) + ?) OVER w AS bytes FROM"
                      + " predictions WHERE synced = 1 WINDOW w AS (ORDER BY sequence) ORDER BY"
                      + " sequence LIMIT ?) WHERE n = 1 OR bytes <= ?)")) {
            s.setInt(1, ROW_BYTES);
            s.setInt(2, PRUNE_BATCH);
            s.setLong(3, budget.writeLimitBytes());
            return s.executeUpdate();
          }
        });
  }

  @Override
  public void keepNewestWhenFull(boolean keep) {
    keepNewest = keep;
  }

  /** Deletes up to {@link #PRUNE_BATCH} of the oldest predictions the hub never got. */
  int pruneOldestUnsynced() {
    return transaction(
        "delete the oldest unforwarded predictions",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "DELETE FROM predictions WHERE sequence IN (SELECT sequence FROM predictions"
                      + " WHERE synced = 0 ORDER BY sequence LIMIT ?)")) {
            s.setInt(1, PRUNE_BATCH);
            return s.executeUpdate();
          }
        });
  }

  /** What a prediction's row takes beside its JSON, roughly: numbers, names, its index entry. */
  private static final int ROW_BYTES = 64;

  @Override
  public long writeLimitBytes() {
    return budget.writeLimitBytes();
  }

  /**
   * Deletes forwarded predictions if there are any (one pruning pass; on a metered device the
   * oldest unforwarded ones when none is), then says whether there is room: something was deleted,
   * or the budget has {@link #ROOM_BYTES} of pages left (free or not yet used), and the disk that
   * much beside the log's share.
   */
  @Override
  public boolean hasRoom() {
    boolean pages =
        makeRoom()
            || transaction(
                "read the store's free pages",
                c -> {
                  if (budget.maxPageCount() == 0) {
                    return true;
                  }
                  long unused =
                      budget.maxPageCount() - pragma(c, "page_count") + pragma(c, "freelist_count");
                  return unused * budget.pageSize() >= ROOM_BYTES;
                });
    return pages && diskFree() >= ROOM_BYTES + budget.journalLimitBytes();
  }

  private long diskFree() {
    try {
      return Files.getFileStore(file).getUsableSpace();
    } catch (IOException e) {
      throw new StoreException("cannot read the free space of the disk of " + file + ": " + e, e);
    }
  }

  private long[] insert(List<Prediction> predictions, long unrecordedServed, long failed) {
    return transaction(
        predictions.size() == 1
            ? "record a prediction"
            : "record " + predictions.size() + " predictions",
        c -> {
          long[] sequences = new long[predictions.size()];
          if (!predictions.isEmpty()) {
            // One batch, not a RETURNING query per row (a result set each: the writer's largest
            // cost at 1,024 records a commit). Under the lock, in one transaction of the one
            // connection, AUTOINCREMENT gives the rows consecutive sequences ending at the last.
            if (insertPrediction == null) {
              insertPrediction =
                  c.prepareStatement(
                      "INSERT INTO predictions (time_micros, model, version, latency_micros,"
                          + " request_id, outputs_json, inputs_json) VALUES (?, ?, ?, ?, ?, ?, ?)");
              lastSequence = c.prepareStatement("SELECT last_insert_rowid()");
            }
            PreparedStatement s = insertPrediction;
            try {
              for (Prediction p : predictions) {
                s.setLong(1, ChronoUnit.MICROS.between(Instant.EPOCH, p.time()));
                s.setString(2, p.model());
                s.setLong(3, p.version());
                s.setLong(4, p.latencyMicros());
                setText(s, 5, p.requestId());
                s.setString(6, p.outputsJson());
                setText(s, 7, p.inputsJson());
                s.addBatch();
              }
              s.executeBatch();
            } finally {
              s.clearBatch(); // a failed batch must not be sent again with the next one
            }
            long last;
            try (ResultSet rs = lastSequence.executeQuery()) {
              rs.next();
              last = rs.getLong(1);
            }
            for (int i = 0; i < sequences.length; i++) {
              sequences[i] = last - sequences.length + 1 + i;
            }
          }
          // The recorded ones are counted by the sequence (agent migration V7).
          add(c, SERVED, unrecordedServed);
          add(c, FAILED, failed);
          return sequences;
        });
  }

  private static void setText(PreparedStatement s, int index, String text) throws SQLException {
    if (text == null) {
      s.setNull(index, Types.VARCHAR);
    } else {
      s.setString(index, text);
    }
  }

  private static void add(Connection c, String counter, long amount) throws SQLException {
    if (amount == 0) {
      return;
    }
    try (PreparedStatement s =
        c.prepareStatement("UPDATE counters SET value = value + ? WHERE name = ?")) {
      s.setLong(1, amount);
      s.setString(2, counter);
      s.executeUpdate();
    }
  }

  @Override
  public List<PredictionRecord> unsynced(int limit, long maxBytes) {
    return transaction(
        "read unsynced predictions",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT sequence, time_micros, model, version, latency_micros, request_id,"
                      + " outputs_json, inputs_json FROM predictions WHERE synced = 0"
                      + " ORDER BY sequence LIMIT ?")) {
            s.setInt(1, limit);
            try (ResultSet rs = s.executeQuery()) {
              List<PredictionRecord> records = new ArrayList<>();
              long bytes = 0;
              while (rs.next()) {
                String outputsJson = rs.getString(7);
                String inputsJson = rs.getString(8);
                bytes += outputsJson.length() + (inputsJson == null ? 0 : inputsJson.length());
                if (bytes > maxBytes && !records.isEmpty()) {
                  break;
                }
                JsonNode outputs = Json.tree(outputsJson.getBytes(StandardCharsets.UTF_8));
                JsonNode inputs =
                    inputsJson == null
                        ? null
                        : Json.tree(inputsJson.getBytes(StandardCharsets.UTF_8));
                records.add(
                    new PredictionRecord(
                        rs.getLong(1),
                        Instant.EPOCH.plus(rs.getLong(2), ChronoUnit.MICROS),
                        rs.getString(3),
                        rs.getLong(4),
                        rs.getLong(5),
                        rs.getString(6),
                        outputs,
                        inputs));
              }
              return records;
            }
          }
        });
  }

  /**
   * Marks in steps of at most {@link StoreBudget#writeLimitBytes} of records (each row a marked
   * prediction's page rewrites goes to the log), one transaction each: marking is idempotent, so a
   * crash between steps only leaves some to be sent again, which the hub takes once.
   */
  @Override
  public int markSynced(long first, long last) {
    int marked = 0;
    for (long from = first; from <= last; ) {
      long start = from;
      long[] step =
          transaction(
              "mark predictions synced",
              c -> {
                long upTo;
                try (PreparedStatement s =
                    c.prepareStatement(
                        "SELECT max(sequence) FROM (SELECT sequence, row_number() OVER w AS n,"
                            + " sum(octet_length(outputs_json)"
                            + " + coalesce(octet_length(inputs_json), 0) + ?) OVER w AS bytes"
                            + " FROM predictions WHERE synced = 0 AND sequence BETWEEN ? AND ?"
                            + " WINDOW w AS (ORDER BY sequence) ORDER BY sequence LIMIT ?)"
                            + " WHERE n = 1 OR bytes <= ?")) {
                  s.setInt(1, ROW_BYTES);
                  s.setLong(2, start);
                  s.setLong(3, last);
                  s.setInt(4, PRUNE_BATCH);
                  s.setLong(5, budget.writeLimitBytes());
                  try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    upTo = rs.getLong(1);
                    if (rs.wasNull()) {
                      return null; // none left to mark in the range
                    }
                  }
                }
                try (PreparedStatement s =
                    c.prepareStatement(
                        "UPDATE predictions SET synced = 1 WHERE synced = 0 AND sequence BETWEEN ?"
                            + " AND ?")) {
                  s.setLong(1, start);
                  s.setLong(2, upTo);
                  return new long[] {upTo, s.executeUpdate()};
                }
              });
      if (step == null) {
        break;
      }
      marked += (int) step[1];
      from = step[0] + 1;
    }
    return marked;
  }

  @Override
  public boolean markRejected(long sequence, String reason) {
    return transaction(
        "set aside a refused prediction",
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE predictions SET synced = 2, rejected_reason = ? WHERE synced = 0 AND"
                      + " sequence = ?")) {
            s.setString(1, reason);
            s.setLong(2, sequence);
            return s.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Counters counters() {
    return transaction(
        "read the counters",
        c -> {
          long served = 0;
          long failed = 0;
          try (PreparedStatement s = c.prepareStatement("SELECT name, value FROM counters");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              switch (rs.getString(1)) {
                case SERVED -> served = rs.getLong(2);
                case FAILED -> failed = rs.getLong(2);
                default -> {
                  // A counter a later version added; this one does not report it.
                }
              }
            }
          }
          // Served and recorded: the sequence (agent migration V7); absent before the first.
          try (PreparedStatement s =
                  c.prepareStatement("SELECT seq FROM sqlite_sequence WHERE name = 'predictions'");
              ResultSet rs = s.executeQuery()) {
            if (rs.next()) {
              served += rs.getLong(1);
            }
          }
          long pending;
          try (PreparedStatement s =
                  c.prepareStatement("SELECT count(*) FROM predictions WHERE synced = 0");
              ResultSet rs = s.executeQuery()) {
            rs.next();
            pending = rs.getLong(1);
          }
          return new Counters(served, failed, pending);
        });
  }

  // Health counters.

  @Override
  public List<VersionTally> tallies() {
    List<VersionTally> tallies = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    transaction(
        "read the health counters",
        c -> {
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT model, version, deployment_id, activated_at, requests, errors,"
                          + " latency_json, outputs_json FROM version_stats ORDER BY model");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              String model = rs.getString(1);
              long deployment = rs.getLong(3);
              Long deploymentId = rs.wasNull() ? null : deployment;
              try {
                tallies.add(
                    new VersionTally(
                        model,
                        rs.getLong(2),
                        deploymentId,
                        Instant.ofEpochMilli(rs.getLong(4)),
                        rs.getLong(5),
                        rs.getLong(6),
                        Json.mapper().readValue(rs.getString(7), LATENCY),
                        Json.mapper().readValue(rs.getString(8), OUTPUTS)));
              } catch (IOException | RuntimeException e) {
                unreadable.add(model + " (" + e.getMessage() + ")");
              }
            }
          }
          return null;
        });
    if (!unreadable.isEmpty()) {
      // Counters are worth less than serving: start them over rather than refuse to start.
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot read the saved health counters of {0} in {1}; they start from zero",
          unreadable,
          file);
    }
    return tallies;
  }

  @Override
  public void saveTallies(List<VersionTally> tallies) {
    transaction(
        "save the health counters",
        c -> {
          try (Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM version_stats");
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO version_stats (model, version, deployment_id, activated_at,"
                      + " requests, errors, latency_json, outputs_json)"
                      + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (VersionTally t : tallies) {
              s.setString(1, t.model());
              s.setLong(2, t.version());
              if (t.deploymentId() == null) {
                s.setNull(3, Types.INTEGER);
              } else {
                s.setLong(3, t.deploymentId());
              }
              s.setLong(4, t.activatedAt().toEpochMilli());
              s.setLong(5, t.requests());
              s.setLong(6, t.errors());
              s.setString(7, Json.writeString(t.latency()));
              s.setString(8, Json.writeString(t.outputs()));
              s.addBatch();
            }
            s.executeBatch();
          }
          return null;
        });
  }

  @Override
  public StoreUsage usage() {
    return transaction(
        "read the store's size",
        c -> {
          long pages = pragma(c, "page_count");
          long free = pragma(c, "freelist_count");
          long pageSize = pragma(c, "page_size");
          long pending;
          try (PreparedStatement s =
                  c.prepareStatement("SELECT count(*) FROM predictions WHERE synced = 0");
              ResultSet rs = s.executeQuery()) {
            rs.next();
            pending = rs.getLong(1);
          }
          return new StoreUsage(onDisk(), (pages - free) * pageSize, budget.budgetBytes(), pending);
        });
  }

  /** The database and its log and index files as they are on disk. */
  private long onDisk() {
    long bytes = 0;
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      try {
        bytes += Files.size(file.resolveSibling(file.getFileName() + suffix));
      } catch (NoSuchFileException e) {
        // No log yet, or none left after a checkpoint.
      } catch (IOException e) {
        throw new StoreException("cannot read the size of " + file + suffix + ": " + e, e);
      }
    }
    return bytes;
  }

  private static long pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      connection.close(); // its statements with it
    } catch (SQLException e) {
      throw new StoreException("cannot close the agent store " + file + ": " + e, e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    return "SqliteAgentStore[" + file + "]";
  }

  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, begun and ended with SQL on a connection in auto-commit
   * mode rather than through JDBC's {@code commit}/{@code rollback}: after SQLITE_FULL (a full disk
   * or budget) SQLite may roll the transaction back by itself, and sqlite-jdbc, which then fails
   * its own {@code rollback}, would run every later statement outside a transaction and fail every
   * commit ("no transaction is active"). Here SQLite's state is the only one.
   */
  private <T> T transaction(String what, Work<T> work) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("the agent store " + file + " is closed");
      }
      try {
        execute("BEGIN");
        T result = work.run(connection);
        execute("COMMIT");
        return result;
      } catch (SQLException e) {
        rollbackQuietly();
        throw new StoreException("cannot " + what + " in " + file + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        rollbackQuietly();
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  private void execute(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  /** Ends the transaction, unless SQLite ended it already (it may, after SQLITE_FULL). */
  private void rollbackQuietly() {
    try {
      execute("ROLLBACK");
    } catch (SQLException ignored) {
      // None open ("no transaction is active"), or the original failure says more.
    }
  }
}
