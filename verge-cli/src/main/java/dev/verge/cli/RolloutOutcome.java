package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.output.RolloutProgress;
import dev.verge.cli.output.RolloutReport;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WaveView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code verge deploy --wait} decides from a rollout: when to stop following it, and whether
 * it succeeded; a failure names the devices and their reasons, or the gate and its numbers.
 */
final class RolloutOutcome {
  private static final Duration POLL = Duration.ofMillis(500);

  private RolloutOutcome() {}

  /**
   * Follows the rollout, showing its progress, until it ends: completed with no device still on its
   * way, rolled back, aborted, or paused (which waits for a human).
   *
   * @throws CommandFailedException when it has not ended within {@code timeout}
   */
  static DeploymentView follow(
      HubAdminClient client, long id, Duration timeout, RolloutProgress progress) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      DeploymentView view = client.deployment(id);
      progress.show(view);
      if (ended(view)) {
        return view;
      }
      if (Instant.now().isAfter(deadline)) {
        progress.close();
        throw new CommandFailedException(
            stillGoing(view, timeout)
                + "; it goes on in the hub: follow it with 'verge rollout show "
                + id
                + "'");
      }
      try {
        Thread.sleep(POLL);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailedException("interrupted");
      }
    }
  }

  /** What a rollout that outlasted {@code --wait} is still doing, and where its devices are. */
  static String stillGoing(DeploymentView view, Duration timeout) {
    return "rollout "
        + view.id()
        + " is not done after "
        + DurationConverter.format(timeout)
        + ": "
        + RolloutReport.phase(view)
        + "; devices: "
        + RolloutReport.progress(view.counts(), view.counts().targeted());
  }

  /** Whether following the rollout longer can change the outcome without a human. */
  static boolean ended(DeploymentView view) {
    return switch (view.state()) {
      case COMPLETED -> view.counts().inProgress() == 0;
      case ROLLED_BACK, ABORTED, PAUSED -> true;
      default -> false;
    };
  }

  /**
   * @throws CommandFailedException unless the rollout completed and every targeted device that this
   *     deployment still wins for runs the version; the message says what went wrong
   */
  static void requireSuccess(DeploymentView view) {
    List<DeviceRollout> failed =
        view.devices().stream()
            .filter(
                d ->
                    d.state() == RolloutState.FAILED
                        || d.state() == RolloutState.UNREACHABLE
                        || d.state() == RolloutState.ROLLED_BACK
                            && view.state() != RolloutPhase.ROLLED_BACK)
            .toList();
    StringBuilder message = new StringBuilder();
    switch (view.state()) {
      case ROLLED_BACK -> {
        message.append("rollout ").append(view.id()).append(" rolled back");
        reason(message, view);
        failedGates(message, view);
      }
      case ABORTED -> {
        message.append("rollout ").append(view.id()).append(" was aborted");
        reason(message, view);
        message
            .append("; ")
            .append(view.counts().active())
            .append(" of ")
            .append(view.counts().targeted())
            .append(" device(s) run v")
            .append(view.version());
      }
      case PAUSED -> {
        message.append("rollout ").append(view.id()).append(" is paused");
        reason(message, view);
        failedGates(message, view);
        message
            .append("\n  resume it with 'verge rollout resume ")
            .append(view.id())
            .append("', or roll it back with 'verge rollout rollback ")
            .append(view.id())
            .append("'");
      }
      case COMPLETED -> {
        if (failed.isEmpty()) {
          return;
        }
      }
      default ->
          message
              .append("rollout ")
              .append(view.id())
              .append(" stopped being followed while ")
              .append(RolloutReport.phase(view));
    }
    if (!failed.isEmpty()) {
      if (!message.isEmpty()) {
        message.append('\n');
      }
      message
          .append("rollout ")
          .append(view.id())
          .append(" failed on ")
          .append(failed.size())
          .append(" of ")
          .append(view.counts().targeted())
          .append(" device(s):");
      for (DeviceRollout device : failed) {
        message.append("\n  ").append(describe(device)).append(": ");
        if (device.state() != RolloutState.FAILED) {
          message.append(device.state()).append(device.reason() == null ? "" : ", ");
        }
        if (device.reason() != null) {
          message.append(device.reason());
        } else if (device.state() == RolloutState.FAILED) {
          message.append("no reason reported");
        }
        if (antiRollbackRefusal(view, device) != null) {
          message.append(" (deploy again with --rollback to go back on purpose)");
        }
      }
    }
    throw new CommandFailedException(message.toString());
  }

  private static void reason(StringBuilder message, DeploymentView view) {
    if (view.reason() != null && !view.reason().isBlank()) {
      message.append(": ").append(view.reason());
    }
  }

  /** Each gate that failed, with what it read: which gate, which numbers. */
  private static void failedGates(StringBuilder message, DeploymentView view) {
    for (WaveView wave : view.waves()) {
      for (GateReading reading : wave.gates()) {
        if (Boolean.FALSE.equals(reading.passed())) {
          message
              .append("\n  ")
              .append(wave.name())
              .append(": ")
              .append(RolloutReport.reading(reading));
        }
      }
    }
  }

  /** Why a deployment reached no device, and what happens to devices that come later. */
  static String noDeviceMatches(DeploymentView view) {
    if (view.selector().isEmpty()) {
      return "no device is enrolled with the hub yet; devices that enroll later get deployment "
          + view.id();
    }
    return "no enrolled device matches the selector "
        + view.selector()
        + " (see 'verge devices'); devices that match it later get deployment "
        + view.id();
  }

  /** A warning for each device that runs a higher version and will refuse this one. */
  static List<String> antiRollbackWarnings(DeploymentView view) {
    List<String> warnings = new ArrayList<>();
    for (DeviceRollout device : view.devices()) {
      String refusal = antiRollbackRefusal(view, device);
      if (refusal != null) {
        warnings.add(refusal);
      }
    }
    return warnings;
  }

  /**
   * What the device's agent will say to a lower version than it runs, and how to go back on
   * purpose; null when it will not refuse for that reason.
   */
  static String antiRollbackRefusal(DeploymentView view, DeviceRollout device) {
    if (view.rollback()
        || device.activeVersion() == null
        || device.activeVersion() <= view.version()) {
      return null;
    }
    return describe(device)
        + " runs "
        + view.model()
        + " v"
        + device.activeVersion()
        + ", above v"
        + view.version()
        + ", and refuses to go back outside a rollback: deploy again with --rollback";
  }

  /** A device as messages name it: its name, then its id. */
  static String describe(DeviceRollout device) {
    return device.deviceName() + " (" + device.deviceId() + ")";
  }
}
