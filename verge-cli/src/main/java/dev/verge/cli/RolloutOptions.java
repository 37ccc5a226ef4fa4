package dev.verge.cli;

import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The flags of {@code verge deploy} that say how a version reaches the fleet: canary, waves, soak,
 * gates, maintenance window and download limit. Each value is checked as it is read; {@link #plan}
 * and {@link #window} check how they combine, so a mistake is named before the hub is called.
 */
final class RolloutOptions {
  @Option(
      names = "--canary",
      paramLabel = "SIZE",
      converter = RolloutSizeConverter.class,
      description =
          "First, small wave: a device count (3) or a share (5%%) of the targeted devices.")
  String canary;

  @Option(
      names = "--waves",
      paramLabel = "SIZES",
      split = ",",
      converter = RolloutSizeConverter.class,
      description =
          "Cumulative wave sizes after the canary, counts or shares: 25%%,50%%,100%%"
              + " (the last wave always takes every remaining device).")
  List<String> waves = new ArrayList<>();

  @Option(
      names = "--soak",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "How long each wave runs before its gates decide (e.g. 10m; default 0s).")
  Duration soak;

  // Its own option rather than an alias, so an error names the flag that was typed.
  @Option(
      names = "--wait-between",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Another name for --soak.")
  Duration waitBetween;

  @Option(
      names = "--gate",
      paramLabel = "CONDITIONS",
      split = ",",
      converter = GateConverter.class,
      description =
          "Health conditions every wave must meet: error_rate<1%%,p95_latency_ms<20,"
              + "install_success>=99%%,mean:output[1]<0.5 (also p50_ and p99_latency_ms).")
  List<Gate> gates = new ArrayList<>();

  @Option(
      names = "--on-fail",
      paramLabel = "ACTION",
      description = "What a failed gate does: rollback (default) or pause for a human.")
  RolloutPlan.OnFail onFail;

  @Option(
      names = "--min-devices",
      paramLabel = "N",
      description = "Devices that must have reported before a gate decides (default 1).")
  Integer minDevices;

  @Option(
      names = "--min-requests",
      paramLabel = "N",
      description = "Requests a wave must have served before a metric gate decides (default 1).")
  Long minRequests;

  @Option(
      names = "--report-deadline",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long a device may take to report the new version before it counts as failed"
              + " (default 15m).")
  Duration reportDeadline;

  @Option(
      names = "--window",
      paramLabel = "HH:MM-HH:MM",
      converter = WindowHoursConverter.class,
      description =
          "Activate only in these device-local hours (01:00-04:00); devices download ahead.")
  WindowHoursConverter.Hours hours;

  @Option(
      names = "--idle",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description = "Activate only once the model has served no request for this long (30s).")
  Duration idle;

  @Option(
      names = "--max-downloads",
      paramLabel = "N",
      description = "At most N devices fetching the bundle at once (default: no limit).")
  Integer maxDownloads;

  /**
   * The rollout plan the flags describe; null when none of them was given (all devices at once).
   *
   * @throws CommandLine.ParameterException naming the flag whose value does not fit the others
   */
  RolloutPlan plan(CommandLine command) {
    if (!gates.isEmpty()) {
      require(
          command, minDevices == null || minDevices >= 1, "--min-devices", minDevices, "1 or more");
      require(
          command,
          minRequests == null || minRequests >= 1,
          "--min-requests",
          minRequests,
          "1 or more");
    } else {
      for (var flag :
          List.of(
              new Given("--on-fail", onFail),
              new Given("--min-devices", minDevices),
              new Given("--min-requests", minRequests))) {
        if (flag.value() != null) {
          throw new CommandLine.ParameterException(
              command, flag.name() + " only matters with --gate: add the conditions it applies to");
        }
      }
    }
    requireGrowing(command);
    if (soak != null && waitBetween != null) {
      throw new CommandLine.ParameterException(
          command, "--soak and --wait-between are one setting: give one of them");
    }
    Duration soak = this.soak != null ? this.soak : waitBetween;
    require(
        command,
        reportDeadline == null || !reportDeadline.isZero(),
        "--report-deadline",
        reportDeadline == null ? null : "0s",
        "longer than 0s");
    boolean planned =
        canary != null
            || !waves.isEmpty()
            || soak != null
            || !gates.isEmpty()
            || reportDeadline != null;
    if (!planned) {
      return null;
    }
    return new RolloutPlan(
        canary, waves, soak, gates, onFail, minDevices, minRequests, reportDeadline);
  }

  /** The maintenance window {@code --window} and {@code --idle} describe; null for none. */
  MaintenanceWindow window(CommandLine command) {
    if (hours == null && idle == null) {
      return null;
    }
    Integer idleSeconds = null;
    if (idle != null) {
      boolean whole = idle.toSeconds() >= 1 && idle.toMillis() % 1000 == 0;
      require(
          command, whole, "--idle", DurationConverter.format(idle), "whole seconds, 1s or more");
      idleSeconds = Math.toIntExact(Math.min(idle.toSeconds(), Integer.MAX_VALUE));
    }
    return new MaintenanceWindow(
        hours == null ? null : hours.start(), hours == null ? null : hours.end(), idleSeconds);
  }

  /** The download limit; null for none. */
  Integer maxDownloads(CommandLine command) {
    require(
        command,
        maxDownloads == null || maxDownloads >= 1,
        "--max-downloads",
        maxDownloads,
        "1 or more");
    return maxDownloads;
  }

  /** Cumulative sizes of one kind must grow, or a wave would hold no device. */
  private void requireGrowing(CommandLine command) {
    String lastShare = null;
    String lastCount = null;
    for (String size : waves) {
      boolean share = RolloutSizeConverter.isShare(size);
      String previous = share ? lastShare : lastCount;
      if (previous != null
          && RolloutSizeConverter.amount(size) <= RolloutSizeConverter.amount(previous)) {
        throw new CommandLine.ParameterException(
            command,
            "Invalid value for option '--waves': '"
                + String.join(",", waves)
                + "' must grow from wave to wave (sizes are cumulative), but "
                + size
                + " follows "
                + previous);
      }
      if (share) {
        lastShare = size;
      } else {
        lastCount = size;
      }
    }
  }

  private static void require(
      CommandLine command, boolean ok, String flag, Object value, String expected) {
    if (!ok) {
      throw new CommandLine.ParameterException(
          command, "Invalid value for option '" + flag + "': '" + value + "' must be " + expected);
    }
  }

  private record Given(String name, Object value) {}
}
