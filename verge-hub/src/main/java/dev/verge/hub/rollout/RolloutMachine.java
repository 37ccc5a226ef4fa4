package dev.verge.hub.rollout;

import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.Gate;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.HubException;
import dev.verge.hub.device.Device;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rollout state machine: given a rollout as stored and what its devices report, the next state.
 * Pure apart from the clock, so tests drive hours of soak time by moving a clock.
 *
 * <pre>
 * PENDING --first wave starts--> CANARY (or WAVE without a canary)
 * CANARY|WAVE --every device of the wave settled--> SOAKING (until now + soak)
 * SOAKING --soak over, every gate passed--> WAVE (next wave) | COMPLETED (after the last)
 * SOAKING --a gate failed--> ROLLING_BACK (onFail ROLLBACK) | PAUSED (onFail PAUSE)
 * ROLLING_BACK --every updated device back (or failed, unreachable)--> ROLLED_BACK
 * by hand: pause (live -> PAUSED), resume (PAUSED -> where it was; after a failed gate, the next
 *   wave), abort (any non-terminal -> ABORTED), rollback (any but ROLLING_BACK/ROLLED_BACK)
 * </pre>
 *
 * A device is settled when ACTIVE, FAILED, UNREACHABLE (past the report deadline), SUPERSEDED or
 * ROLLED_BACK. Released devices keep their version in ABORTED; a COMPLETED rollout still gives it
 * to devices that join later.
 */
final class RolloutMachine {
  /** Bounds the phase changes of one step (zero soak and no gates pass several waves at once). */
  private static final int MAX_MOVES = 64;

  private final Clock clock;

  RolloutMachine(Clock clock) {
    this.clock = clock;
  }

  /**
   * What a rollout looks like to the machine.
   *
   * @param overriddenBy for devices another deployment wins, why (the winner)
   */
  record Snapshot(
      Rollout rollout,
      List<Wave> waves,
      List<Member> members,
      Map<String, Device> devices,
      Map<String, String> overriddenBy) {}

  /** A hand-made change: pause, resume, abort, rollback. */
  enum Action {
    PAUSE,
    RESUME,
    ABORT,
    ROLLBACK
  }

  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.MILLIS);
  }

  /** Advances the rollout as far as it goes now. */
  RolloutStore.Change step(Snapshot s) {
    return new Run(s, now()).advance().change();
  }

  /**
   * Applies an operator's action, then advances.
   *
   * @throws HubException.RolloutConflict when the action makes no sense in the current phase
   */
  RolloutStore.Change act(Snapshot s, Action action, String reason) {
    Run run = new Run(s, now());
    run.act(action, reason);
    return run.advance().change();
  }

  /** One step's working state. */
  private static final class Run {
    private final Rollout before;
    private final Instant now;
    private final Snapshot snapshot;
    private Rollout rollout;
    private final List<Wave> waves;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final List<Wave> originalWaves;
    private final Map<String, Member> originalMembers = new LinkedHashMap<>();
    private final List<Transition> transitions = new ArrayList<>();

    Run(Snapshot s, Instant now) {
      this.snapshot = s;
      this.before = s.rollout();
      this.rollout = s.rollout();
      this.now = now;
      this.waves = new ArrayList<>(s.waves());
      this.originalWaves = List.copyOf(s.waves());
      for (Member m : s.members()) {
        members.put(m.deviceId(), m);
        originalMembers.put(m.deviceId(), m);
      }
    }

    RolloutStore.Change change() {
      List<Wave> changedWaves = new ArrayList<>();
      for (int i = 0; i < waves.size(); i++) {
        if (i >= originalWaves.size() || !waves.get(i).equals(originalWaves.get(i))) {
          changedWaves.add(waves.get(i));
        }
      }
      List<Member> changedMembers =
          members.values().stream()
              .filter(m -> !m.equals(originalMembers.get(m.deviceId())))
              .toList();
      return new RolloutStore.Change(before, rollout, changedWaves, changedMembers, transitions);
    }

    void act(Action action, String reason) {
      RolloutPhase phase = rollout.phase();
      switch (action) {
        case PAUSE -> {
          require(
              !phase.terminal()
                  && phase != RolloutPhase.PAUSED
                  && phase != RolloutPhase.ROLLING_BACK,
              "pause",
              phase);
          move(RolloutPhase.PAUSED, phase, or(reason, "paused by an operator"));
        }
        case RESUME -> {
          require(phase == RolloutPhase.PAUSED, "resume", phase);
          String why = or(reason, "resumed by an operator");
          if (rollout.pausedFrom() != null) {
            move(rollout.pausedFrom(), null, why);
          } else {
            // Paused by a failed gate: the operator overrides it and the next wave starts.
            passCurrentWave(why + " (overriding the failed gate)");
          }
        }
        case ABORT -> {
          require(!phase.terminal() && phase != RolloutPhase.ROLLING_BACK, "abort", phase);
          move(RolloutPhase.ABORTED, null, or(reason, "aborted by an operator"));
        }
        case ROLLBACK -> {
          require(
              phase != RolloutPhase.ROLLING_BACK && phase != RolloutPhase.ROLLED_BACK,
              "roll back",
              phase);
          move(RolloutPhase.ROLLING_BACK, null, or(reason, "rolled back by an operator"));
        }
      }
    }

    private void require(boolean ok, String what, RolloutPhase phase) {
      if (!ok) {
        throw new HubException.RolloutConflict(
            "cannot " + what + " rollout " + rollout.id() + ": it is " + phase);
      }
    }

    private static String or(String reason, String fallback) {
      return reason == null || reason.isBlank() ? fallback : reason.strip();
    }

    Run advance() {
      refreshAll();
      for (int moves = 0; moves < MAX_MOVES; moves++) {
        if (!move()) {
          break;
        }
        refreshAll();
      }
      return this;
    }

    /** One phase change if one is due; false when the rollout rests where it is. */
    private boolean move() {
      return switch (rollout.phase()) {
        case PENDING -> {
          startWave(0, "rollout started");
          yield true;
        }
        case CANARY, WAVE -> {
          release();
          int w = rollout.currentWave();
          if (!waveSettled(w)) {
            yield false;
          }
          Duration soak = plan() == null || plan().soak() == null ? Duration.ZERO : plan().soak();
          Instant until = now.plus(soak);
          waves.set(
              w,
              waves
                  .get(w)
                  .with(WavePhase.SOAKING, waves.get(w).startedAt(), until, waves.get(w).gates()));
          move(
              RolloutPhase.SOAKING,
              null,
              waves.get(w).name() + " updated (" + summary(w) + "); soaking until " + until);
          yield true;
        }
        case SOAKING -> {
          release();
          int w = rollout.currentWave();
          Wave wave = waves.get(w);
          if (wave.soakUntil() != null && now.isBefore(wave.soakUntil())) {
            yield false;
          }
          yield decide(w);
        }
        case ROLLING_BACK -> {
          boolean done =
              members.values().stream()
                  .filter(Member::released)
                  .allMatch(
                      m ->
                          m.state() != RolloutState.PENDING
                              && m.state() != RolloutState.DOWNLOADING);
          if (done) {
            move(RolloutPhase.ROLLED_BACK, null, rollout.reason());
            yield true;
          }
          yield false;
        }
        case COMPLETED -> {
          release();
          yield false;
        }
        case PAUSED, ABORTED, ROLLED_BACK -> false;
      };
    }

    private boolean decide(int w) {
      Wave wave = waves.get(w);
      List<Member> scope =
          members.values().stream()
              .filter(m -> m.wave() <= w && m.released() && m.state() != RolloutState.SUPERSEDED)
              .toList();
      List<GateReading> readings = new ArrayList<>();
      for (Gate gate : plan() == null ? List.<Gate>of() : plan().gates()) {
        readings.add(Gates.read(gate, rollout, scope, snapshot.devices(), now));
      }
      GateReading failed =
          readings.stream().filter(r -> Boolean.FALSE.equals(r.passed())).findFirst().orElse(null);
      if (failed != null) {
        waves.set(w, wave.with(WavePhase.FAILED, wave.startedAt(), wave.soakUntil(), readings));
        String why = Gates.describeFailure(failed, wave.name());
        if (plan().onFail() == RolloutPlan.OnFail.PAUSE) {
          move(RolloutPhase.PAUSED, null, why + "; paused for an operator");
        } else {
          move(RolloutPhase.ROLLING_BACK, null, why);
        }
        return true;
      }
      GateReading open = readings.stream().filter(r -> r.passed() == null).findFirst().orElse(null);
      if (open != null) {
        if (!readings.equals(wave.gates())) {
          waves.set(w, wave.with(wave.phase(), wave.startedAt(), wave.soakUntil(), readings));
        }
        String why = "waiting for gate " + open.gate() + ": " + open.undecided();
        if (!why.equals(rollout.reason())) {
          rollout = rollout.with(rollout.phase(), rollout.pausedFrom(), rollout.currentWave(), why);
        }
        return false;
      }
      waves.set(w, wave.with(WavePhase.PASSED, wave.startedAt(), wave.soakUntil(), readings));
      passCurrentWave(
          readings.isEmpty() ? wave.name() + " done" : wave.name() + " passed its gates");
      return true;
    }

    /** The current wave is done: the next starts, or the rollout completes. */
    private void passCurrentWave(String why) {
      int w = rollout.currentWave() == null ? -1 : rollout.currentWave();
      if (w >= 0 && waves.get(w).phase() != WavePhase.PASSED) {
        Wave wave = waves.get(w);
        waves.set(w, wave.with(WavePhase.PASSED, wave.startedAt(), wave.soakUntil(), wave.gates()));
      }
      if (w + 1 < waves.size()) {
        startWave(w + 1, why);
      } else {
        move(RolloutPhase.COMPLETED, null, why + "; every wave done");
      }
    }

    private void startWave(int w, String why) {
      Wave wave = waves.get(w);
      waves.set(w, wave.with(WavePhase.UPDATING, now, null, wave.gates()));
      rollout = rollout.with(rollout.phase(), null, w, rollout.reason());
      RolloutPhase to = wave.name().equals("canary") ? RolloutPhase.CANARY : RolloutPhase.WAVE;
      long devices = members.values().stream().filter(m -> m.wave() == w).count();
      move(to, null, why + "; " + wave.name() + " starts with " + devices + " device(s)");
      release();
    }

    /** Gives the version to the started waves' devices, as download slots allow. */
    private void release() {
      if (rollout.currentWave() == null) {
        return;
      }
      int w = rollout.currentWave();
      Integer limit = rollout.maxConcurrentDownloads();
      long inFlight =
          members.values().stream()
              .filter(
                  m ->
                      m.released()
                          && (m.state() == RolloutState.PENDING
                              || m.state() == RolloutState.DOWNLOADING))
              .count();
      for (Member m : List.copyOf(members.values())) {
        if (m.released() || m.wave() > w) {
          continue;
        }
        if (limit != null && inFlight >= limit) {
          members.put(
              m.deviceId(),
              m.inState(
                  RolloutState.PENDING, "waiting for a download slot", m.activeVersion(), now));
          continue;
        }
        Member released = m.released(now, activeVersion(m.deviceId()));
        members.put(m.deviceId(), refresh(released));
        inFlight++;
      }
    }

    private Long activeVersion(String deviceId) {
      ModelReport report = DeviceStates.report(snapshot.devices().get(deviceId), rollout.model());
      return report == null ? null : report.activeVersion();
    }

    private boolean waveSettled(int w) {
      return members.values().stream()
          .filter(m -> m.wave() == w)
          .allMatch(m -> m.released() && Gates.settled(m.state()));
    }

    private String summary(int w) {
      Map<RolloutState, Integer> counts = new LinkedHashMap<>();
      members.values().stream()
          .filter(m -> m.wave() == w)
          .forEach(m -> counts.merge(m.state(), 1, Integer::sum));
      StringBuilder text = new StringBuilder();
      counts.forEach(
          (state, n) ->
              text.append(text.isEmpty() ? "" : ", ")
                  .append(n)
                  .append(' ')
                  .append(state.name().toLowerCase(java.util.Locale.ROOT)));
      return text.isEmpty() ? "no devices" : text.toString();
    }

    private void refreshAll() {
      for (Member m : List.copyOf(members.values())) {
        members.put(m.deviceId(), refresh(m));
      }
    }

    private Member refresh(Member m) {
      String overridden = snapshot.overriddenBy().get(m.deviceId());
      return DeviceStates.refresh(
          rollout, m, snapshot.devices().get(m.deviceId()), overridden == null, overridden, now);
    }

    private RolloutPlan plan() {
      return rollout.plan();
    }

    /** Records a phase change. */
    private void move(RolloutPhase to, RolloutPhase pausedFrom, String reason) {
      transitions.add(new Transition(now, rollout.phase(), to, rollout.currentWave(), reason));
      rollout = rollout.with(to, pausedFrom, rollout.currentWave(), reason);
    }
  }
}
