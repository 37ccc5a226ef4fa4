package dev.verge.core.api;

import java.time.Instant;
import java.util.List;

/**
 * A deployment and its rollout: the plan, where the state machine stands and how it got there, each
 * wave's progress and gate readings, and where each targeted device stands.
 *
 * @param state the rollout's phase
 * @param reason why it is in that phase (the last transition's reason)
 * @param currentWave the index in {@link #waves} of the wave being updated or soaked; null before
 *     the first wave starts
 * @param transitions every change of phase, oldest first
 * @param sideBySide whether the version is served beside the model's default version (see {@link
 *     DeploymentRequest#sideBySide})
 */
public record DeploymentView(
    long id,
    String model,
    long version,
    String selector,
    boolean rollback,
    int priority,
    RolloutPlan plan,
    MaintenanceWindow window,
    Integer maxConcurrentDownloads,
    Instant createdAt,
    RolloutPhase state,
    String reason,
    Integer currentWave,
    List<WaveView> waves,
    List<Transition> transitions,
    Counts counts,
    List<DeviceRollout> devices,
    boolean sideBySide) {
  public DeploymentView {
    waves = waves == null ? List.of() : List.copyOf(waves);
    transitions = transitions == null ? List.of() : List.copyOf(transitions);
    devices = devices == null ? List.of() : List.copyOf(devices);
  }

  /** A deployment of the version the devices' unversioned paths serve. */
  public DeploymentView(
      long id,
      String model,
      long version,
      String selector,
      boolean rollback,
      int priority,
      RolloutPlan plan,
      MaintenanceWindow window,
      Integer maxConcurrentDownloads,
      Instant createdAt,
      RolloutPhase state,
      String reason,
      Integer currentWave,
      List<WaveView> waves,
      List<Transition> transitions,
      Counts counts,
      List<DeviceRollout> devices) {
    this(
        id,
        model,
        version,
        selector,
        rollback,
        priority,
        plan,
        window,
        maxConcurrentDownloads,
        createdAt,
        state,
        reason,
        currentWave,
        waves,
        transitions,
        counts,
        devices,
        false);
  }

  /** How many devices are in each state; {@code targeted} is all of them. */
  public record Counts(
      int targeted,
      int pending,
      int downloading,
      int waitingForWindow,
      int active,
      int failed,
      int rolledBack,
      int superseded,
      int unreachable) {

    /** The count of one state. */
    public int of(RolloutState state) {
      return switch (state) {
        case PENDING -> pending;
        case DOWNLOADING -> downloading;
        case WAITING_FOR_WINDOW -> waitingForWindow;
        case ACTIVE -> active;
        case FAILED -> failed;
        case ROLLED_BACK -> rolledBack;
        case SUPERSEDED -> superseded;
        case UNREACHABLE -> unreachable;
      };
    }

    /** Devices still on their way to the version: pending, downloading or waiting for a window. */
    public int inProgress() {
      return pending + downloading + waitingForWindow;
    }
  }

  /**
   * One wave of the rollout: a fixed set of devices.
   *
   * @param index 0 for the first wave (the canary when the plan has one)
   * @param name "canary", "wave 1", "wave 2", ... or "all" for a deployment without a plan
   * @param target the cumulative size the plan asked for ("5%", "3", "100%")
   * @param startedAt when the wave's devices were given the version; null before
   * @param soakUntil when the wave's gates decide; null before its devices are updated
   * @param gates the last reading of each of the plan's gates for this wave
   */
  public record WaveView(
      int index,
      String name,
      String target,
      int devices,
      WavePhase phase,
      Instant startedAt,
      Instant soakUntil,
      Counts counts,
      List<GateReading> gates) {
    public WaveView {
      gates = gates == null ? List.of() : List.copyOf(gates);
    }
  }

  /** Where one wave stands. */
  public enum WavePhase {
    /** Not started. */
    WAITING,
    /** Its devices are being given the version. */
    UPDATING,
    /** Its devices are updated (or past the deadline); the soak time runs. */
    SOAKING,
    /** Its gates passed. */
    PASSED,
    /** A gate failed. */
    FAILED
  }

  /**
   * One reading of a gate over a wave's devices (and earlier waves').
   *
   * @param observed the metric's value, null when there was nothing to read
   * @param passed whether the gate passed; null while it cannot decide
   * @param undecided why it cannot decide yet ("2 of 3 devices reported, gate needs 3"); null when
   *     decided
   * @param devices devices whose reports went into the reading
   * @param requests requests those devices served with the version
   */
  public record GateReading(
      Gate gate,
      Double observed,
      Boolean passed,
      String undecided,
      int devices,
      long requests,
      Instant at) {}

  /** A change of the rollout's phase. */
  public record Transition(
      Instant at, RolloutPhase from, RolloutPhase to, Integer wave, String reason) {}
}
