package dev.verge.bench;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.Gate;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.VersionStats;
import dev.verge.hub.device.Device;
import dev.verge.hub.device.NewDevice;
import dev.verge.hub.device.SqliteDeviceStore;
import dev.verge.hub.model.ModelVersion;
import dev.verge.hub.model.SqliteModelStore;
import dev.verge.hub.rollout.Fleet;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How long the hub's rollout engine takes from "deploy" to the canary's gate decision, and from the
 * last wave's start to COMPLETED, with the soak time set to zero, for N simulated devices on a real
 * SQLite hub database. Each simulated device does what an agent does, in one loop: it reads its
 * desired state, activates the version it is given at once and reports it with healthy counters.
 * Run: {@code java -cp verge-bench/target/verge-bench.jar dev.verge.bench.RolloutSimulation 1000}.
 */
public final class RolloutSimulation {
  private RolloutSimulation() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Path dir = Files.createTempDirectory("verge-rollout-sim");
    try (Database db = Database.openSqlite(dir.resolve("hub.db"))) {
      SqliteDeviceStore devices = new SqliteDeviceStore(db);
      SqliteModelStore models = new SqliteModelStore(db);
      for (long v = 1; v <= 2; v++) {
        models.addModelVersion(
            new ModelVersion(
                "pump",
                v,
                String.valueOf((char) ('a' + v)).repeat(64),
                1000,
                "k",
                Instant.now(),
                List.of(),
                List.of(),
                Map.of()));
      }
      Map<String, Long> active = new HashMap<>();
      for (int i = 0; i < n; i++) {
        String id = "dev-" + i;
        devices.addEnrollmentToken("t" + i, Instant.now(), Instant.now().plusSeconds(60), null);
        devices.enroll(
            "t" + i,
            Instant.now(),
            new NewDevice(id, id, Map.of("site", "a"), "c" + i, "sim", "sim", Instant.now()));
        active.put(id, null);
      }
      Rollouts rollouts =
          Rollouts.onSqlite(
              db,
              Fleet.of(devices, models),
              Clock.systemUTC(),
              new Rollouts.Config("sim", Duration.ofSeconds(1), Duration.ofSeconds(30)));
      RolloutPlan plan =
          new RolloutPlan(
              "5%",
              List.of("25%", "50%", "100%"),
              Duration.ZERO,
              Gate.parseList("error_rate<1%,install_success>=99%,p95_latency_ms<20"),
              RolloutPlan.OnFail.ROLLBACK,
              null,
              null,
              null);
      long start = System.nanoTime();
      DeploymentView view =
          rollouts.create(new DeploymentRequest("pump", 2, "site=a", false, 0, plan, null, null));
      int loops = 0;
      long devicesNanos = 0;
      long engineNanos = 0;
      while (!rollouts.get(view.id()).state().terminal()) {
        loops++;
        long a = System.nanoTime();
        simulateDevices(rollouts, devices, active, view.id());
        long b = System.nanoTime();
        rollouts.engine().runOnce();
        devicesNanos += b - a;
        engineNanos += System.nanoTime() - b;
        if (System.nanoTime() - start > Duration.ofMinutes(5).toNanos()) {
          throw new IllegalStateException("no end after 5 minutes: " + rollouts.get(view.id()));
        }
      }
      double total = (System.nanoTime() - start) / 1e6;
      DeploymentView done = rollouts.get(view.id());
      List<DeploymentView.Transition> t = done.transitions();
      if (done.state() != RolloutPhase.COMPLETED) {
        throw new IllegalStateException("the rollout ended " + done.state() + ": " + t);
      }
      Instant created = done.createdAt();
      Instant canaryDecided =
          t.stream()
              // The canary's gates passed: the first wave after it starts.
              .filter(x -> x.from() == RolloutPhase.SOAKING && x.to() == RolloutPhase.WAVE)
              .findFirst()
              .orElseThrow()
              .at();
      Instant lastWave =
          t.stream()
              .filter(x -> x.to() == RolloutPhase.WAVE)
              .reduce((a, b) -> b)
              .orElseThrow()
              .at();
      System.out.printf(
          "%d devices, waves %s: %s after %d loops in %.0f ms (devices %d ms, engine %d ms);"
              + " deploy -> canary decision %d ms; last wave start -> %s %d ms%n",
          n,
          done.waves().stream().map(w -> w.name() + "=" + w.devices()).toList(),
          done.state(),
          loops,
          total,
          devicesNanos / 1_000_000,
          engineNanos / 1_000_000,
          Duration.between(created, canaryDecided).toMillis(),
          done.state(),
          Duration.between(lastWave, t.getLast().at()).toMillis());
      rollouts.close();
    }
  }

  /** Every device that is given a version it does not run activates it and reports. */
  private static void simulateDevices(
      Rollouts rollouts, SqliteDeviceStore devices, Map<String, Long> active, long deployment) {
    List<Long> latency = new ArrayList<>();
    for (int i = 0; i < LatencyBuckets.COUNT; i++) {
      latency.add(i == LatencyBuckets.index(3_000) ? 100L : 0L);
    }
    for (Map.Entry<String, Long> device : active.entrySet()) {
      Device d = devices.device(device.getKey()).orElseThrow();
      List<DesiredModel> desired = rollouts.desired(d);
      Long want = desired.isEmpty() ? null : desired.getFirst().version();
      if (want == null || want.equals(device.getValue())) {
        continue;
      }
      device.setValue(want);
      VersionStats stats =
          new VersionStats(want, deployment, Instant.now(), 100, 0, latency, Map.of());
      devices.touchDevices(Map.of(d.id(), Instant.now()));
      devices.saveReported(
          d.id(),
          new ReportedState(
              "sim",
              List.of(new ModelReport("pump", want, List.of(want), null, null, null, stats, null)),
              100,
              0),
          Instant.now());
      rollouts.deviceChanged(d.id());
    }
  }
}
