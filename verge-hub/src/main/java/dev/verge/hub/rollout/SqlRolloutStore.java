package dev.verge.hub.rollout;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.store.Columns;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreJson;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongFunction;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * {@link RolloutStore} on the hub's database, SQLite or PostgreSQL (tables from migration V3; V5
 * adds {@code side_by_side}): the rollout in its {@code deployments} row, and {@code
 * rollout_waves}, {@code rollout_members}, {@code rollout_transitions}, {@code rollout_leases}.
 */
public final class SqlRolloutStore implements RolloutStore {
  private static final TypeReference<List<GateReading>> READINGS = new TypeReference<>() {};
  private static final String ROLLOUT_COLUMNS =
      "d.id, d.model, d.version, d.bundle_digest, d.bundle_size, d.selector, d.rollback,"
          + " d.priority, d.plan_json, d.window_json, d.max_downloads, d.created_at, d.phase,"
          + " d.paused_from, d.current_wave, d.reason, d.revision, d.side_by_side";
  private static final String MEMBER_COLUMNS =
      "m.device_id, m.wave, m.released_at, m.previous_version, m.state, m.reason AS member_reason,"
          + " m.active_version, m.state_since";
  private static final String ROLLOUTS = "SELECT " + ROLLOUT_COLUMNS + " FROM deployments d ";
  private static final String ASSIGNMENTS =
      "SELECT "
          + ROLLOUT_COLUMNS
          + ", "
          + MEMBER_COLUMNS
          + " FROM rollout_members m JOIN deployments d ON d.id = m.deployment_id"
          + " WHERE m.released_at IS NOT NULL ";
  private static final String TERMINAL = "('ROLLED_BACK', 'ABORTED', 'COMPLETED')";

  private static final RowMapper<Rollout> ROLLOUT = (rs, ctx) -> rollout(rs);
  private static final RowMapper<Member> MEMBER = (rs, ctx) -> member(rs);

  /** Device ids bound in one IN list: well under either engine's limit on bound values. */
  private static final int IN_LIST = 500;

  private static final RowMapper<Wave> WAVE =
      (rs, ctx) ->
          new Wave(
              rs.getInt("idx"),
              rs.getString("name"),
              rs.getString("target"),
              WavePhase.valueOf(rs.getString("phase")),
              Columns.instant(rs, "started_at"),
              Columns.instant(rs, "soak_until"),
              StoreJson.read(rs.getString("gates_json"), READINGS, "rollout_waves.gates_json"));
  private static final RowMapper<Transition> TRANSITION =
      (rs, ctx) ->
          new Transition(
              Columns.instant(rs, "at"),
              phase(rs.getString("from_phase")),
              phase(rs.getString("to_phase")),
              integer(rs, "wave"),
              rs.getString("reason"));

  private final Database db;

  public SqlRolloutStore(Database db) {
    this.db = db;
  }

  @Override
  public Rollout add(NewRollout n, Instant createdAt, LongFunction<Layout> layout) {
    return db.write(
        h -> {
          long id =
              h.createUpdate(
                      "INSERT INTO deployments (model, version, rollback, created_at, selector,"
                          + " priority, plan_json, window_json, max_downloads, bundle_digest,"
                          + " bundle_size, side_by_side, phase, reason) VALUES (:model, :version,"
                          + " :rollback, :createdAt, :selector, :priority, :plan, :window,"
                          + " :maxConcurrentDownloads, :bundleDigest, :bundleSize, :sideBySide,"
                          + " 'PENDING', 'created')")
                  .bind("model", n.model())
                  .bind("version", n.version())
                  .bind("rollback", n.rollback())
                  .bind("selector", n.selector())
                  .bind("priority", n.priority())
                  .bind("maxConcurrentDownloads", n.maxConcurrentDownloads())
                  .bind("bundleDigest", n.bundleDigest())
                  .bind("bundleSize", n.bundleSize())
                  .bind("sideBySide", n.sideBySide())
                  .bind("createdAt", createdAt)
                  .bind("plan", n.plan() == null ? null : StoreJson.write(n.plan()))
                  .bind("window", n.window() == null ? null : StoreJson.write(n.window()))
                  .executeAndReturnGeneratedKeys("id")
                  .mapTo(Long.class)
                  .one();
          Layout l = layout.apply(id);
          saveWaves(h, id, l.waves());
          saveMembers(h, id, l.members());
          return rollout(h, id).orElseThrow();
        });
  }

  @Override
  public Optional<Rollout> rollout(long id) {
    return db.read(h -> rollout(h, id));
  }

  private static Optional<Rollout> rollout(Handle h, long id) {
    return h.createQuery(ROLLOUTS + "WHERE d.id = :id").bind("id", id).map(ROLLOUT).findOne();
  }

  @Override
  public List<Rollout> rollouts() {
    return db.read(h -> h.createQuery(ROLLOUTS + "ORDER BY d.id DESC").map(ROLLOUT).list());
  }

  @Override
  public List<Long> live() {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT id FROM deployments WHERE phase NOT IN " + TERMINAL + " ORDER BY id")
                .mapTo(Long.class)
                .list());
  }

  @Override
  public List<Wave> waves(long id) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT idx, name, target, phase, started_at, soak_until, gates_json"
                        + " FROM rollout_waves WHERE deployment_id = :id ORDER BY idx")
                .bind("id", id)
                .map(WAVE)
                .list());
  }

  @Override
  public List<Member> members(long id) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT "
                        + MEMBER_COLUMNS
                        + " FROM rollout_members m WHERE m.deployment_id = :id"
                        + " ORDER BY m.wave, m.device_id")
                .bind("id", id)
                .map(MEMBER)
                .list());
  }

  @Override
  public List<Transition> transitions(long id) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT at, from_phase, to_phase, wave, reason FROM rollout_transitions"
                        + " WHERE deployment_id = :id ORDER BY seq")
                .bind("id", id)
                .map(TRANSITION)
                .list());
  }

  @Override
  public List<Assignment> assignments(String deviceId) {
    return db.read(
        h ->
            h.createQuery(ASSIGNMENTS + "AND m.device_id = :device ORDER BY d.id")
                .bind("device", deviceId)
                .map(assignmentRows())
                .list());
  }

  @Override
  public List<Assignment> assignmentsOfModel(String model, long except) {
    return db.read(
        h ->
            h.createQuery(ASSIGNMENTS + "AND d.model = :model AND d.id <> :except ORDER BY d.id")
                .bind("model", model)
                .bind("except", except)
                .map(assignmentRows())
                .list());
  }

  /**
   * Assignment rows, each rollout's columns (two JSON documents among them) read once a query:
   * every row of one rollout carries the same, and a rollout has up to a fleet of members.
   */
  private static RowMapper<Assignment> assignmentRows() {
    Map<Long, Rollout> read = new HashMap<>();
    return (rs, ctx) -> {
      Rollout r = read.get(rs.getLong("id"));
      if (r == null) {
        r = rollout(rs);
        read.put(r.id(), r);
      }
      return new Assignment(r, member(rs));
    };
  }

  @Override
  public List<Long> memberships(String deviceId) {
    return db.read(
        h ->
            h.createQuery(
                    "SELECT deployment_id FROM rollout_members WHERE device_id = :device"
                        + " ORDER BY deployment_id")
                .bind("device", deviceId)
                .mapTo(Long.class)
                .list());
  }

  @Override
  public Set<Long> memberships(Collection<String> deviceIds) {
    List<String> ids = List.copyOf(deviceIds);
    Set<Long> rollouts = new TreeSet<>();
    for (int from = 0; from < ids.size(); from += IN_LIST) {
      List<String> chunk = ids.subList(from, Math.min(ids.size(), from + IN_LIST));
      rollouts.addAll(
          db.read(
              h ->
                  h.createQuery(
                          "SELECT DISTINCT deployment_id FROM rollout_members"
                              + " WHERE device_id IN (<devices>)")
                      .bindList("devices", chunk)
                      .mapTo(Long.class)
                      .list()));
    }
    return rollouts;
  }

  @Override
  public List<Rollout> joinable() {
    return db.read(
        h ->
            h.createQuery(
                    ROLLOUTS
                        + "WHERE d.phase NOT IN ('ROLLING_BACK', 'ROLLED_BACK', 'ABORTED')"
                        + " ORDER BY d.id")
                .map(ROLLOUT)
                .list());
  }

  @Override
  public boolean join(long id, String deviceId, Instant now) {
    return db.write(
        h ->
            h.createUpdate(
                        "INSERT INTO rollout_members (deployment_id, device_id, wave, state,"
                            + " reason, state_since) SELECT :id, :device, MAX(idx), 'PENDING',"
                            + " 'joined after the rollout started', :now FROM rollout_waves"
                            + " WHERE deployment_id = :id ON CONFLICT DO NOTHING")
                    .bind("id", id)
                    .bind("device", deviceId)
                    .bind("now", now)
                    .execute()
                == 1);
  }

  @Override
  public boolean apply(Change change) {
    Rollout r = change.after();
    return db.write(
        h -> {
          int updated =
              h.createUpdate(
                      "UPDATE deployments SET phase = :phase, paused_from = :pausedFrom,"
                          + " current_wave = :currentWave, reason = :reason,"
                          + " revision = revision + 1 WHERE id = :id AND revision = :revision")
                  .bind("phase", r.phase().name())
                  .bind("pausedFrom", r.pausedFrom() == null ? null : r.pausedFrom().name())
                  .bind("currentWave", r.currentWave())
                  .bind("reason", r.reason())
                  .bind("id", r.id())
                  .bind("revision", change.before().revision())
                  .execute();
          if (updated != 1) {
            return false;
          }
          saveWaves(h, r.id(), change.waves());
          saveMembers(h, r.id(), change.members());
          if (!change.transitions().isEmpty()) {
            PreparedBatch batch =
                h.prepareBatch(
                    "INSERT INTO rollout_transitions (deployment_id, at, from_phase, to_phase,"
                        + " wave, reason) VALUES (:id, :at, :from, :to, :wave, :reason)");
            for (Transition t : change.transitions()) {
              batch
                  .bind("id", r.id())
                  .bind("at", t.at())
                  .bind("from", t.from() == null ? null : t.from().name())
                  .bind("to", t.to().name())
                  .bind("wave", t.wave())
                  .bind("reason", t.reason())
                  .add();
            }
            batch.execute();
          }
          return true;
        });
  }

  @Override
  public boolean lease(long id, String owner, Instant now, Instant until) {
    return db.write(
        h ->
            h.createUpdate(
                        "INSERT INTO rollout_leases (deployment_id, owner, expires_at)"
                            + " VALUES (:id, :owner, :until) ON CONFLICT (deployment_id)"
                            + " DO UPDATE SET owner = excluded.owner,"
                            + " expires_at = excluded.expires_at"
                            + " WHERE rollout_leases.owner = excluded.owner"
                            + " OR rollout_leases.expires_at <= :now")
                    .bind("id", id)
                    .bind("owner", owner)
                    .bind("until", until)
                    .bind("now", now)
                    .execute()
                == 1);
  }

  @Override
  public Map<RolloutPhase, Integer> countByPhase() {
    Map<RolloutPhase, Integer> counts = new EnumMap<>(RolloutPhase.class);
    for (RolloutPhase p : RolloutPhase.values()) {
      counts.put(p, 0);
    }
    db.read(
        h ->
            h.createQuery("SELECT phase, COUNT(*) AS n FROM deployments GROUP BY phase")
                .map(
                    (rs, ctx) ->
                        counts.put(RolloutPhase.valueOf(rs.getString("phase")), rs.getInt("n")))
                .list());
    return counts;
  }

  @Override
  public Map<RolloutState, Integer> countByDeviceState() {
    Map<RolloutState, Integer> counts = new EnumMap<>(RolloutState.class);
    for (RolloutState s : RolloutState.values()) {
      counts.put(s, 0);
    }
    db.read(
        h ->
            h.createQuery("SELECT state, COUNT(*) AS n FROM rollout_members GROUP BY state")
                .map(
                    (rs, ctx) ->
                        counts.put(RolloutState.valueOf(rs.getString("state")), rs.getInt("n")))
                .list());
    return counts;
  }

  // Rows.

  private static void saveWaves(Handle h, long id, List<Wave> waves) {
    if (waves.isEmpty()) {
      return;
    }
    PreparedBatch batch =
        h.prepareBatch(
            "INSERT INTO rollout_waves (deployment_id, idx, name, target, phase, started_at,"
                + " soak_until, gates_json) VALUES (:id, :index, :name, :target, :phase,"
                + " :startedAt, :soakUntil, :gates) ON CONFLICT (deployment_id, idx) DO UPDATE"
                + " SET phase = excluded.phase, started_at = excluded.started_at,"
                + " soak_until = excluded.soak_until, gates_json = excluded.gates_json");
    for (Wave w : waves) {
      batch
          .bind("id", id)
          .bind("index", w.index())
          .bind("name", w.name())
          .bind("target", w.target())
          .bind("phase", w.phase().name())
          .bind("startedAt", w.startedAt())
          .bind("soakUntil", w.soakUntil())
          .bind("gates", StoreJson.write(w.gates()))
          .add();
    }
    batch.execute();
  }

  private static void saveMembers(Handle h, long id, List<Member> members) {
    if (members.isEmpty()) {
      return;
    }
    PreparedBatch batch =
        h.prepareBatch(
            "INSERT INTO rollout_members (deployment_id, device_id, wave, released_at,"
                + " previous_version, state, reason, active_version, state_since) VALUES (:id,"
                + " :deviceId, :wave, :releasedAt, :previousVersion, :state, :reason,"
                + " :activeVersion, :stateSince) ON CONFLICT (deployment_id, device_id) DO UPDATE"
                + " SET wave = excluded.wave, released_at = excluded.released_at,"
                + " previous_version = excluded.previous_version, state = excluded.state,"
                + " reason = excluded.reason, active_version = excluded.active_version,"
                + " state_since = excluded.state_since");
    for (Member m : members) {
      batch
          .bind("id", id)
          .bind("deviceId", m.deviceId())
          .bind("wave", m.wave())
          .bind("releasedAt", m.releasedAt())
          .bind("previousVersion", m.previousVersion())
          .bind("state", m.state().name())
          .bind("reason", m.reason())
          .bind("activeVersion", m.activeVersion())
          .bind("stateSince", m.stateSince())
          .add();
    }
    batch.execute();
  }

  private static Rollout rollout(ResultSet rs) throws SQLException {
    return new Rollout(
        rs.getLong("id"),
        rs.getString("model"),
        rs.getLong("version"),
        rs.getString("bundle_digest"),
        rs.getLong("bundle_size"),
        rs.getString("selector"),
        rs.getBoolean("rollback"),
        rs.getInt("priority"),
        StoreJson.read(rs.getString("plan_json"), RolloutPlan.class, "deployments.plan_json"),
        StoreJson.read(
            rs.getString("window_json"), MaintenanceWindow.class, "deployments.window_json"),
        integer(rs, "max_downloads"),
        Columns.instant(rs, "created_at"),
        RolloutPhase.valueOf(rs.getString("phase")),
        phase(rs.getString("paused_from")),
        integer(rs, "current_wave"),
        rs.getString("reason"),
        rs.getLong("revision"),
        rs.getBoolean("side_by_side"));
  }

  private static Member member(ResultSet rs) throws SQLException {
    return new Member(
        rs.getString("device_id"),
        rs.getInt("wave"),
        Columns.instant(rs, "released_at"),
        longOrNull(rs, "previous_version"),
        RolloutState.valueOf(rs.getString("state")),
        rs.getString("member_reason"),
        longOrNull(rs, "active_version"),
        Columns.instant(rs, "state_since"));
  }

  private static RolloutPhase phase(String name) {
    return name == null ? null : RolloutPhase.valueOf(name);
  }

  private static Integer integer(ResultSet rs, String column) throws SQLException {
    int v = rs.getInt(column);
    return rs.wasNull() ? null : v;
  }

  private static Long longOrNull(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }
}
