package dev.verge.cli.output;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.Counts;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.Transition;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.DeploymentView.WaveView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;

/** Rollout views as the hub answers them, built by hand for rendering tests. */
public final class RolloutViews {
  public static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  public static final Gate ERROR_RATE = Gate.parseList("error_rate<1%").getFirst();
  public static final Gate P95 = Gate.parseList("p95_latency_ms<20").getFirst();
  public static final RolloutPlan PLAN =
      new RolloutPlan(
          "1",
          List.of("50%", "100%"),
          Duration.ofMinutes(10),
          List.of(ERROR_RATE, P95),
          RolloutPlan.OnFail.ROLLBACK,
          2,
          100L,
          null);

  private RolloutViews() {}

  /** Counts with {@code active}, {@code failed} and {@code pending} devices of a wave. */
  public static Counts counts(int active, int failed, int pending) {
    return new Counts(active + failed + pending, pending, 0, 0, active, failed, 0, 0, 0);
  }

  public static WaveView wave(
      int index,
      String name,
      String target,
      int devices,
      WavePhase phase,
      Counts counts,
      GateReading... gates) {
    return new WaveView(
        index,
        name,
        target,
        devices,
        phase,
        phase == WavePhase.WAITING ? null : T0.plusSeconds(60L * index),
        phase == WavePhase.WAITING ? null : T0.plusSeconds(60L * index + 600),
        counts,
        List.of(gates));
  }

  public static GateReading passed(Gate gate, double observed) {
    return new GateReading(gate, observed, true, null, 2, 400, T0.plusSeconds(600));
  }

  public static GateReading failed(Gate gate, double observed) {
    return new GateReading(gate, observed, false, null, 2, 1200, T0.plusSeconds(600));
  }

  /** A rollout of 4 devices: canary of 1, then 50% and 100%, in {@code state}. */
  public static DeploymentView rollout(
      RolloutPhase state,
      String reason,
      Integer currentWave,
      List<WaveView> waves,
      List<DeviceRollout> devices) {
    int[] n = new int[RolloutState.values().length];
    devices.forEach(d -> n[d.state().ordinal()]++);
    List<Transition> transitions = new ArrayList<>();
    transitions.add(new Transition(T0, RolloutPhase.PENDING, RolloutPhase.CANARY, 0, "started"));
    if (state != RolloutPhase.CANARY) {
      transitions.add(
          new Transition(
              T0.plusSeconds(30), RolloutPhase.CANARY, RolloutPhase.SOAKING, 0, "canary updated"));
    }
    if (state.terminal() || state == RolloutPhase.PAUSED) {
      transitions.add(
          new Transition(T0.plusSeconds(630), RolloutPhase.SOAKING, state, currentWave, reason));
    }
    return new DeploymentView(
        7,
        "pump",
        3,
        "site=plant-7,tier in (a,b)",
        false,
        10,
        PLAN,
        new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), 30),
        2,
        T0,
        state,
        reason,
        currentWave,
        waves,
        transitions,
        new Counts(
            devices.size(),
            n[RolloutState.PENDING.ordinal()],
            n[RolloutState.DOWNLOADING.ordinal()],
            n[RolloutState.WAITING_FOR_WINDOW.ordinal()],
            n[RolloutState.ACTIVE.ordinal()],
            n[RolloutState.FAILED.ordinal()],
            n[RolloutState.ROLLED_BACK.ordinal()],
            n[RolloutState.SUPERSEDED.ordinal()],
            n[RolloutState.UNREACHABLE.ordinal()]),
        devices);
  }

  public static DeviceRollout device(String name, int wave, RolloutState state, String reason) {
    return new DeviceRollout(
        "dev-" + name, name, wave, state, state == RolloutState.ACTIVE ? 3L : 2L, reason);
  }
}
