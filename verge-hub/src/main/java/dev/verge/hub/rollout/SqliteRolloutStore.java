package dev.verge.hub.rollout;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.core.json.Json;
import dev.verge.hub.HubException;
import dev.verge.hub.store.Database;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
import org.jdbi.v3.core.ConnectionException;
import org.jdbi.v3.core.Handle;

/**
 * {@link RolloutStore} on the hub's SQLite database (tables from migration V3): the rollout in its
 * {@code deployments} row, and {@code rollout_waves}, {@code rollout_members}, {@code
 * rollout_transitions}, {@code rollout_leases}.
 */
public final class SqliteRolloutStore implements RolloutStore {
  private static final TypeReference<List<GateReading>> READINGS = new TypeReference<>() {};
  private static final String ROLLOUT_COLUMNS =
      "d.id, d.model, d.version, d.bundle_digest, d.bundle_size, d.selector, d.rollback,"
          + " d.priority, d.plan_json, d.window_json, d.max_downloads, d.created_at, d.phase,"
          + " d.paused_from, d.current_wave, d.reason, d.revision";
  private static final String MEMBER_COLUMNS =
      "m.device_id, m.wave, m.released_at, m.previous_version, m.state, m.reason,"
          + " m.active_version, m.state_since";
  private static final String TERMINAL = "('ROLLED_BACK', 'ABORTED', 'COMPLETED')";

  private final Sql sql;

  public SqliteRolloutStore(Database db) {
    this.sql = new Sql(db);
  }

  /**
   * The database's transactions with the JDBC connection of their handle: this store's statements
   * are plain JDBC (its upserts and compare-and-set need nothing Jdbi maps), inside the same
   * single-writer transactions as every other feature store.
   */
  private record Sql(Database db) {
    <T> T read(Work<T> work) {
      return db.read(h -> run(work, h));
    }

    <T> T write(Work<T> work) {
      return db.write(h -> run(work, h));
    }

    private static <T> T run(Work<T> work, Handle handle) {
      try {
        return work.run(handle.getConnection());
      } catch (SQLException e) {
        // Database maps it (busy or not) from the cause.
        throw new ConnectionException(e);
      }
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  @Override
  public Rollout add(NewRollout n, Instant createdAt, LongFunction<Layout> layout) {
    return sql.write(
        c -> {
          long id;
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO deployments (model, version, rollback, created_at, selector,"
                      + " priority, plan_json, window_json, max_downloads, bundle_digest,"
                      + " bundle_size, phase, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                      + " 'PENDING', 'created')",
                  Statement.RETURN_GENERATED_KEYS)) {
            s.setString(1, n.model());
            s.setLong(2, n.version());
            s.setBoolean(3, n.rollback());
            s.setLong(4, createdAt.toEpochMilli());
            s.setString(5, n.selector());
            s.setInt(6, n.priority());
            s.setString(7, n.plan() == null ? null : Json.writeString(n.plan()));
            s.setString(8, n.window() == null ? null : Json.writeString(n.window()));
            setInteger(s, 9, n.maxConcurrentDownloads());
            s.setString(10, n.bundleDigest());
            s.setLong(11, n.bundleSize());
            s.executeUpdate();
            try (ResultSet keys = s.getGeneratedKeys()) {
              keys.next();
              id = keys.getLong(1);
            }
          }
          Layout l = layout.apply(id);
          for (Wave w : l.waves()) {
            saveWave(c, id, w);
          }
          for (Member m : l.members()) {
            saveMember(c, id, m);
          }
          return rollout(c, id).orElseThrow();
        });
  }

  @Override
  public Optional<Rollout> rollout(long id) {
    return sql.read(c -> rollout(c, id));
  }

  private static Optional<Rollout> rollout(Connection c, long id) throws SQLException {
    List<Rollout> found = rollouts(c, "WHERE d.id = ?", id);
    return found.stream().findFirst();
  }

  @Override
  public List<Rollout> rollouts() {
    return sql.read(c -> rollouts(c, "ORDER BY d.id DESC"));
  }

  @Override
  public List<Long> live() {
    return sql.read(
        c -> {
          List<Long> ids = new ArrayList<>();
          try (PreparedStatement s =
                  c.prepareStatement(
                      "SELECT id FROM deployments WHERE phase NOT IN "
                          + TERMINAL
                          + " ORDER BY id");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              ids.add(rs.getLong(1));
            }
          }
          return ids;
        });
  }

  @Override
  public List<Wave> waves(long id) {
    return sql.read(
        c -> {
          List<Wave> waves = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT idx, name, target, phase, started_at, soak_until, gates_json"
                      + " FROM rollout_waves WHERE deployment_id = ? ORDER BY idx")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                waves.add(
                    new Wave(
                        rs.getInt(1),
                        rs.getString(2),
                        rs.getString(3),
                        WavePhase.valueOf(rs.getString(4)),
                        instant(rs, 5),
                        instant(rs, 6),
                        fromJson(rs.getString(7), READINGS, "rollout_waves.gates_json")));
              }
            }
          }
          return waves;
        });
  }

  @Override
  public List<Member> members(long id) {
    return sql.read(
        c -> {
          List<Member> members = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT "
                      + MEMBER_COLUMNS
                      + " FROM rollout_members m WHERE m.deployment_id = ?"
                      + " ORDER BY m.wave, m.device_id")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                members.add(member(rs, 1));
              }
            }
          }
          return members;
        });
  }

  @Override
  public List<Transition> transitions(long id) {
    return sql.read(
        c -> {
          List<Transition> list = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT at, from_phase, to_phase, wave, reason FROM rollout_transitions"
                      + " WHERE deployment_id = ? ORDER BY seq")) {
            s.setLong(1, id);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                list.add(
                    new Transition(
                        Instant.ofEpochMilli(rs.getLong(1)),
                        phase(rs.getString(2)),
                        phase(rs.getString(3)),
                        integer(rs, 4),
                        rs.getString(5)));
              }
            }
          }
          return list;
        });
  }

  @Override
  public List<Assignment> assignments(String deviceId) {
    return sql.read(
        c -> {
          List<Assignment> list = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT "
                      + ROLLOUT_COLUMNS
                      + ", "
                      + MEMBER_COLUMNS
                      + " FROM rollout_members m JOIN deployments d ON d.id = m.deployment_id"
                      + " WHERE m.device_id = ? AND m.released_at IS NOT NULL ORDER BY d.id")) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                list.add(new Assignment(rollout(rs), member(rs, 18)));
              }
            }
          }
          return list;
        });
  }

  @Override
  public List<Long> memberships(String deviceId) {
    return sql.read(
        c -> {
          List<Long> ids = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT deployment_id FROM rollout_members WHERE device_id = ?"
                      + " ORDER BY deployment_id")) {
            s.setString(1, deviceId);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                ids.add(rs.getLong(1));
              }
            }
          }
          return ids;
        });
  }

  @Override
  public List<Rollout> joinable() {
    return sql.read(
        c ->
            rollouts(
                c,
                "WHERE d.phase NOT IN ('ROLLING_BACK', 'ROLLED_BACK', 'ABORTED') ORDER BY d.id"));
  }

  @Override
  public boolean join(long id, String deviceId, Instant now) {
    return sql.write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO rollout_members (deployment_id, device_id, wave, state, reason,"
                      + " state_since) SELECT ?, ?, MAX(idx), 'PENDING', 'joined after the"
                      + " rollout started', ? FROM rollout_waves WHERE deployment_id = ?"
                      + " ON CONFLICT DO NOTHING")) {
            s.setLong(1, id);
            s.setString(2, deviceId);
            s.setLong(3, now.toEpochMilli());
            s.setLong(4, id);
            return s.executeUpdate() == 1;
          }
        });
  }

  @Override
  public boolean apply(Change change) {
    Rollout r = change.after();
    return sql.write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "UPDATE deployments SET phase = ?, paused_from = ?, current_wave = ?, reason = ?,"
                      + " revision = revision + 1 WHERE id = ? AND revision = ?")) {
            s.setString(1, r.phase().name());
            s.setString(2, r.pausedFrom() == null ? null : r.pausedFrom().name());
            setInteger(s, 3, r.currentWave());
            s.setString(4, r.reason());
            s.setLong(5, r.id());
            s.setLong(6, change.before().revision());
            if (s.executeUpdate() != 1) {
              return false;
            }
          }
          for (Wave w : change.waves()) {
            saveWave(c, r.id(), w);
          }
          for (Member m : change.members()) {
            saveMember(c, r.id(), m);
          }
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO rollout_transitions (deployment_id, at, from_phase, to_phase, wave,"
                      + " reason) VALUES (?, ?, ?, ?, ?, ?)")) {
            for (Transition t : change.transitions()) {
              s.setLong(1, r.id());
              s.setLong(2, t.at().toEpochMilli());
              s.setString(3, t.from() == null ? null : t.from().name());
              s.setString(4, t.to().name());
              setInteger(s, 5, t.wave());
              s.setString(6, t.reason());
              s.addBatch();
            }
            s.executeBatch();
          }
          return true;
        });
  }

  @Override
  public boolean lease(long id, String owner, Instant now, Instant until) {
    return sql.write(
        c -> {
          try (PreparedStatement s =
              c.prepareStatement(
                  "INSERT INTO rollout_leases (deployment_id, owner, expires_at) VALUES (?, ?, ?)"
                      + " ON CONFLICT (deployment_id) DO UPDATE SET owner = excluded.owner,"
                      + " expires_at = excluded.expires_at"
                      + " WHERE rollout_leases.owner = excluded.owner"
                      + " OR rollout_leases.expires_at <= ?")) {
            s.setLong(1, id);
            s.setString(2, owner);
            s.setLong(3, until.toEpochMilli());
            s.setLong(4, now.toEpochMilli());
            return s.executeUpdate() == 1;
          }
        });
  }

  @Override
  public Map<RolloutPhase, Integer> countByPhase() {
    return sql.read(
        c -> {
          Map<RolloutPhase, Integer> counts = new EnumMap<>(RolloutPhase.class);
          for (RolloutPhase p : RolloutPhase.values()) {
            counts.put(p, 0);
          }
          try (PreparedStatement s =
                  c.prepareStatement("SELECT phase, COUNT(*) FROM deployments GROUP BY phase");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              counts.put(RolloutPhase.valueOf(rs.getString(1)), rs.getInt(2));
            }
          }
          return counts;
        });
  }

  @Override
  public Map<RolloutState, Integer> countByDeviceState() {
    return sql.read(
        c -> {
          Map<RolloutState, Integer> counts = new EnumMap<>(RolloutState.class);
          for (RolloutState state : RolloutState.values()) {
            counts.put(state, 0);
          }
          try (PreparedStatement s =
                  c.prepareStatement("SELECT state, COUNT(*) FROM rollout_members GROUP BY state");
              ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
              counts.put(RolloutState.valueOf(rs.getString(1)), rs.getInt(2));
            }
          }
          return counts;
        });
  }

  @Override
  public List<Assignment> assignmentsOfModel(String model) {
    return sql.read(
        c -> {
          List<Assignment> list = new ArrayList<>();
          try (PreparedStatement s =
              c.prepareStatement(
                  "SELECT "
                      + ROLLOUT_COLUMNS
                      + ", "
                      + MEMBER_COLUMNS
                      + " FROM rollout_members m JOIN deployments d ON d.id = m.deployment_id"
                      + " WHERE d.model = ? AND m.released_at IS NOT NULL ORDER BY d.id")) {
            s.setString(1, model);
            try (ResultSet rs = s.executeQuery()) {
              while (rs.next()) {
                list.add(new Assignment(rollout(rs), member(rs, 18)));
              }
            }
          }
          return list;
        });
  }

  // Rows.

  private static List<Rollout> rollouts(Connection c, String tail, Object... params)
      throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement("SELECT " + ROLLOUT_COLUMNS + " FROM deployments d " + tail)) {
      for (int i = 0; i < params.length; i++) {
        s.setObject(i + 1, params[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        List<Rollout> list = new ArrayList<>();
        while (rs.next()) {
          list.add(rollout(rs));
        }
        return list;
      }
    }
  }

  private static Rollout rollout(ResultSet rs) throws SQLException {
    String plan = rs.getString(9);
    String window = rs.getString(10);
    return new Rollout(
        rs.getLong(1),
        rs.getString(2),
        rs.getLong(3),
        rs.getString(4),
        rs.getLong(5),
        rs.getString(6),
        rs.getBoolean(7),
        rs.getInt(8),
        plan == null ? null : fromJson(plan, RolloutPlan.class, "deployments.plan_json"),
        window == null
            ? null
            : fromJson(window, MaintenanceWindow.class, "deployments.window_json"),
        integer(rs, 11),
        Instant.ofEpochMilli(rs.getLong(12)),
        RolloutPhase.valueOf(rs.getString(13)),
        phase(rs.getString(14)),
        integer(rs, 15),
        rs.getString(16),
        rs.getLong(17));
  }

  private static Member member(ResultSet rs, int first) throws SQLException {
    long previous = rs.getLong(first + 3);
    Long previousVersion = rs.wasNull() ? null : previous;
    long active = rs.getLong(first + 6);
    Long activeVersion = rs.wasNull() ? null : active;
    return new Member(
        rs.getString(first),
        rs.getInt(first + 1),
        instant(rs, first + 2),
        previousVersion,
        RolloutState.valueOf(rs.getString(first + 4)),
        rs.getString(first + 5),
        activeVersion,
        Instant.ofEpochMilli(rs.getLong(first + 7)));
  }

  private static void saveWave(Connection c, long id, Wave w) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO rollout_waves (deployment_id, idx, name, target, phase, started_at,"
                + " soak_until, gates_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (deployment_id, idx) DO UPDATE SET phase = excluded.phase,"
                + " started_at = excluded.started_at, soak_until = excluded.soak_until,"
                + " gates_json = excluded.gates_json")) {
      s.setLong(1, id);
      s.setInt(2, w.index());
      s.setString(3, w.name());
      s.setString(4, w.target());
      s.setString(5, w.phase().name());
      setInstant(s, 6, w.startedAt());
      setInstant(s, 7, w.soakUntil());
      s.setString(8, Json.writeString(w.gates()));
      s.executeUpdate();
    }
  }

  private static void saveMember(Connection c, long id, Member m) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "INSERT INTO rollout_members (deployment_id, device_id, wave, released_at,"
                + " previous_version, state, reason, active_version, state_since)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (deployment_id, device_id) DO UPDATE SET wave = excluded.wave,"
                + " released_at = excluded.released_at,"
                + " previous_version = excluded.previous_version, state = excluded.state,"
                + " reason = excluded.reason, active_version = excluded.active_version,"
                + " state_since = excluded.state_since")) {
      s.setLong(1, id);
      s.setString(2, m.deviceId());
      s.setInt(3, m.wave());
      setInstant(s, 4, m.releasedAt());
      setLong(s, 5, m.previousVersion());
      s.setString(6, m.state().name());
      s.setString(7, m.reason());
      setLong(s, 8, m.activeVersion());
      s.setLong(9, m.stateSince().toEpochMilli());
      s.executeUpdate();
    }
  }

  private static RolloutPhase phase(String name) {
    return name == null ? null : RolloutPhase.valueOf(name);
  }

  private static Instant instant(ResultSet rs, int column) throws SQLException {
    long ms = rs.getLong(column);
    return rs.wasNull() ? null : Instant.ofEpochMilli(ms);
  }

  private static Integer integer(ResultSet rs, int column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  private static void setInteger(PreparedStatement s, int i, Integer v) throws SQLException {
    if (v == null) {
      s.setNull(i, Types.INTEGER);
    } else {
      s.setInt(i, v);
    }
  }

  private static void setLong(PreparedStatement s, int i, Long v) throws SQLException {
    if (v == null) {
      s.setNull(i, Types.INTEGER);
    } else {
      s.setLong(i, v);
    }
  }

  private static void setInstant(PreparedStatement s, int i, Instant v) throws SQLException {
    if (v == null) {
      s.setNull(i, Types.INTEGER);
    } else {
      s.setLong(i, v.toEpochMilli());
    }
  }

  private static <T> T fromJson(String json, Class<T> type, String column) {
    try {
      return Json.read(json.getBytes(StandardCharsets.UTF_8), type);
    } catch (RuntimeException e) {
      throw new HubException.StoreFailure("cannot read " + column + ": " + e.getMessage(), e);
    }
  }

  private static <T> T fromJson(String json, TypeReference<T> type, String column) {
    try {
      return Json.mapper().readValue(json, type);
    } catch (Exception e) {
      throw new HubException.StoreFailure("cannot read " + column + ": " + e.getMessage(), e);
    }
  }
}
