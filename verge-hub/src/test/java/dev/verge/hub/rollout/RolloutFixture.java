package dev.verge.hub.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.core.api.VersionStats;
import dev.verge.core.testing.TestClock;
import dev.verge.hub.device.Device;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.StoreFixtures;
import dev.verge.hub.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.statement.SqlLogger;

/**
 * Rollouts on a real SQLite database with a clock the test moves; the engine runs only when the
 * test calls {@link #step}.
 */
final class RolloutFixture implements AutoCloseable {
  static final Instant T0 = StoreFixtures.T0;
  static final String MODEL = "pump";

  final TestClock clock = new TestClock(T0);
  final Database db;
  final DeviceStore devices;
  final ModelStore models;
  final SqlRolloutStore store;
  final Rollouts rollouts;

  /** Every device the rollouts told of a possible desired-state change, in order. */
  final List<String> told = new CopyOnWriteArrayList<>();

  RolloutFixture(Path dir) {
    this(Database.openSqlite(dir.resolve("hub.db")));
  }

  /** With {@code logger} told of every statement the database runs. */
  RolloutFixture(Path dir, SqlLogger logger) {
    this(Database.openSqlite(dir.resolve("hub.db"), logger));
  }

  /** On a new, empty database of the test PostgreSQL server. */
  static RolloutFixture onPostgres() {
    return new RolloutFixture(Database.openPostgres(TestPostgres.freshDatabase()));
  }

  private RolloutFixture(Database db) {
    this.db = db;
    devices = new SqlDeviceStore(db);
    models = new SqlModelStore(db);
    store = new SqlRolloutStore(db);
    rollouts = new Rollouts(store, Fleet.of(devices, models), clock, config("hub-a"), told::add);
  }

  static Rollouts.Config config(String owner) {
    return new Rollouts.Config(owner, Duration.ofSeconds(1), Duration.ofSeconds(30));
  }

  void publish(long... versions) {
    for (long v : versions) {
      models.addModelVersion(
          StoreFixtures.version(MODEL, v, StoreFixtures.digest((char) ('a' + v))));
    }
  }

  static String digest(long version) {
    return StoreFixtures.digest((char) ('a' + version));
  }

  /** Devices d1..dn with the labels, each reporting {@code active} (null: nothing). */
  List<String> enroll(int n, Map<String, String> labels, Long active) {
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String id = "d" + i;
      StoreFixtures.enroll(devices, id, labels);
      rollouts.deviceChanged(id);
      if (active != null) {
        report(id, active);
      }
      ids.add(id);
    }
    return ids;
  }

  DeploymentView deploy(long version, RolloutPlan plan) {
    return rollouts.create(new DeploymentRequest(MODEL, version, "", false, 0, plan, null, null));
  }

  void report(String device, Long active) {
    report(
        device,
        new ModelReport(
            MODEL, active, active == null ? List.of() : List.of(active), null, null, null));
  }

  /** The device serves {@code active} for deployment {@code id} with these counters. */
  void reportStats(
      String device, long active, long id, long requests, long errors, Map<String, Double> means) {
    List<Long> latency = new ArrayList<>();
    for (int i = 0; i < LatencyBuckets.COUNT; i++) {
      latency.add(i == LatencyBuckets.index(4_000) ? requests - errors : 0L);
    }
    VersionStats stats =
        new VersionStats(active, id, clock.instant(), requests, errors, latency, means);
    report(device, new ModelReport(MODEL, active, List.of(active), null, null, null, stats, null));
  }

  void reportFailed(String device, Long active, long failed, long deployment, String error) {
    report(
        device,
        new ModelReport(
            MODEL,
            active,
            active == null ? List.of() : List.of(active),
            failed,
            error,
            deployment));
  }

  void reportPending(String device, Long active, PendingTarget pending) {
    report(
        device,
        new ModelReport(
            MODEL,
            active,
            active == null ? List.of() : List.of(active),
            null,
            null,
            null,
            null,
            pending));
  }

  void report(String device, ModelReport model) {
    devices.touchDevices(Map.of(device, clock.instant()));
    assertThat(
            devices.saveReported(
                device, new ReportedState("test", List.of(model), 0, 0), clock.instant()))
        .isTrue();
    rollouts.deviceChanged(device);
  }

  /** Runs the engine until nothing changes (bounded). */
  void step() {
    for (int i = 0; i < 20 && rollouts.engine().runOnce() > 0; i++) {
      // Each pass may make other rollouts of the same devices move.
    }
  }

  DeploymentView view(long id) {
    return rollouts.get(id);
  }

  DeviceRollout device(long id, String device) {
    return view(id).devices().stream()
        .filter(d -> d.deviceId().equals(device))
        .findFirst()
        .orElseThrow();
  }

  RolloutState state(long id, String device) {
    return device(id, device).state();
  }

  /** The device's desired model, null when it should run none. */
  DesiredModel desired(String device) {
    Device d = devices.device(device).orElseThrow();
    List<DesiredModel> models = rollouts.desired(d);
    return models.isEmpty() ? null : models.getFirst();
  }

  static RolloutPlan plan(
      String canary,
      List<String> waves,
      Duration soak,
      String gates,
      RolloutPlan.OnFail onFail,
      Integer minDevices,
      Long minRequests,
      Duration deadline) {
    return new RolloutPlan(
        canary,
        waves,
        soak,
        dev.verge.core.api.Gate.parseList(gates),
        onFail,
        minDevices,
        minRequests,
        deadline);
  }

  static MaintenanceWindow nightly() {
    return new MaintenanceWindow(java.time.LocalTime.of(1, 0), java.time.LocalTime.of(4, 0), null);
  }

  @Override
  public void close() {
    rollouts.close();
    db.close();
  }
}
