package dev.verge.cli.output;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.Counts;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.Transition;
import dev.verge.core.api.DeploymentView.WaveView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPlan;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How a rollout reads for people: {@code verge rollout show}, the list, and the lines {@code verge
 * deploy --wait} prints. Everything here is text from a {@link DeploymentView}; {@code --output
 * json} prints the view itself.
 */
public final class RolloutReport {
  /** Characters inside a wave's bar. */
  static final int BAR_WIDTH = 20;

  private RolloutReport() {}

  /** The whole rollout: what it deploys and how, each wave, each transition and each device. */
  public static String show(DeploymentView v) {
    StringBuilder text = new StringBuilder();
    text.append(headline(v)).append('\n');
    text.append(field("State", phase(v)));
    if (v.plan() != null) {
      text.append(field("Plan", plan(v.plan())));
    }
    if (v.window() != null) {
      text.append(field("Window", window(v.window())));
    }
    if (v.maxConcurrentDownloads() != null) {
      text.append(
          field("Downloads", "at most " + v.maxConcurrentDownloads() + " device(s) at once"));
    }
    text.append(field("Created", time(v.createdAt())));
    text.append(field("Devices", totals(v.counts())));
    if (!v.waves().isEmpty()) {
      text.append('\n').append(waves(v));
    }
    if (!v.transitions().isEmpty()) {
      Table table = new Table("AT", "FROM", "TO", "WAVE", "REASON");
      for (Transition t : v.transitions()) {
        table.row(time(t.at()), t.from(), t.to(), waveName(v, t.wave()), t.reason());
      }
      text.append('\n').append(table.render());
    }
    // A deployment without a plan sends to every device at once: a WAVE column would say "all".
    boolean waves = staged(v);
    Table devices =
        waves
            ? new Table("DEVICE", "NAME", "WAVE", "STATE", "ACTIVE VERSION", "REASON")
            : new Table("DEVICE", "NAME", "STATE", "ACTIVE VERSION", "REASON");
    for (DeviceRollout d : v.devices()) {
      if (waves) {
        devices.row(
            d.deviceId(),
            d.deviceName(),
            waveName(v, d.wave()),
            d.state(),
            d.activeVersion(),
            d.reason());
      } else {
        devices.row(d.deviceId(), d.deviceName(), d.state(), d.activeVersion(), d.reason());
      }
    }
    text.append('\n').append(devices.render());
    return text.toString();
  }

  /**
   * {@code Rollout 7: pump v3 (rollback) to site=plant-7, priority 10}; {@code (side by side)} for
   * a version served beside the default one.
   */
  public static String headline(DeploymentView v) {
    return "Rollout "
        + v.id()
        + ": "
        + v.model()
        + " v"
        + v.version()
        + (v.rollback() ? " (rollback)" : "")
        + (v.sideBySide() ? " (side by side)" : "")
        + " to "
        + selector(v.selector())
        + (v.priority() == 0 ? "" : ", priority " + v.priority());
  }

  /** The table of {@code verge rollout list}. */
  public static String list(List<DeploymentView> views) {
    Table table =
        new Table(
            "ID",
            "MODEL",
            "VERSION",
            "SELECTOR",
            "PRIORITY",
            "STATE",
            "WAVE",
            "ACTIVE",
            "IN PROGRESS",
            "FAILED",
            "SUPERSEDED",
            "CREATED");
    for (DeploymentView v : views) {
      Counts c = v.counts();
      table.row(
          v.id(),
          v.model(),
          v.version() + (v.rollback() ? " (rollback)" : "") + (v.sideBySide() ? " (beside)" : ""),
          v.selector().isEmpty() ? "all" : v.selector(),
          v.priority(),
          v.state(),
          currentWave(v),
          c.active() + "/" + c.targeted(),
          c.inProgress(),
          c.failed() + c.unreachable(),
          c.superseded(),
          time(v.createdAt()));
    }
    return table.render();
  }

  /** Each wave with a bar of its active devices ('#') and failed or unreachable ones ('x'). */
  static String waves(DeploymentView v) {
    Table table = new Table("WAVE", "SIZE", "DEVICES", "PROGRESS", "PHASE", "GATES");
    for (WaveView w : v.waves()) {
      table.row(
          w.name(),
          w.target(),
          w.devices(),
          bar(w.counts(), w.devices()) + " " + progress(w.counts(), w.devices()),
          w.phase() + soak(w),
          w.gates().isEmpty()
              ? "-"
              : w.gates().stream().map(RolloutReport::reading).collect(Collectors.joining("; ")));
    }
    return table.render();
  }

  /** {@code [#####x ]}: active devices, then failed or unreachable ones, of {@code total}. */
  public static String bar(Counts c, int total) {
    int of = Math.max(1, total);
    int done = c.active() * BAR_WIDTH / of;
    int bad = Math.min(BAR_WIDTH - done, (c.failed() + c.unreachable()) * BAR_WIDTH / of);
    if (bad == 0 && c.failed() + c.unreachable() > 0 && done < BAR_WIDTH) {
      bad = 1; // one failure among many devices still shows
    }
    return "[" + "#".repeat(done) + "x".repeat(bad) + " ".repeat(BAR_WIDTH - done - bad) + "]";
  }

  /** {@code 3/10 active, 1 failed}: the states that are not zero, after the active count. */
  public static String progress(Counts c, int total) {
    StringBuilder text = new StringBuilder().append(c.active()).append('/').append(total);
    text.append(" active");
    append(text, c.pending(), "pending");
    append(text, c.downloading(), "downloading");
    append(text, c.waitingForWindow(), "waiting for window");
    append(text, c.failed(), "failed");
    append(text, c.unreachable(), "unreachable");
    append(text, c.rolledBack(), "rolled back");
    append(text, c.superseded(), "superseded");
    return text.toString();
  }

  private static void append(StringBuilder text, int count, String state) {
    if (count > 0) {
      text.append(", ").append(count).append(' ').append(state);
    }
  }

  /** Every state's count, zeros included, for the summary line. */
  static String totals(Counts c) {
    return c.targeted()
        + " targeted: "
        + c.active()
        + " active, "
        + c.inProgress()
        + " in progress, "
        + c.failed()
        + " failed, "
        + c.unreachable()
        + " unreachable, "
        + c.rolledBack()
        + " rolled back, "
        + c.superseded()
        + " superseded";
  }

  /** Whether the rollout goes in waves (it has a plan), not to every device at once. */
  static boolean staged(DeploymentView v) {
    return v.plan() != null && !v.waves().isEmpty();
  }

  /** {@code SOAKING (wave 1 of 3): reason}. */
  public static String phase(DeploymentView v) {
    String wave = !staged(v) || v.currentWave() == null ? "" : " (" + currentWave(v) + ")";
    return v.state() + wave + (v.reason() == null ? "" : ": " + v.reason());
  }

  /** The current wave as {@code wave 1 of 3}, {@code canary of 4}, or "-" before the first. */
  static String currentWave(DeploymentView v) {
    if (!staged(v) || v.currentWave() == null) {
      return "-";
    }
    return waveName(v, v.currentWave()) + " of " + v.waves().size();
  }

  static String waveName(DeploymentView v, Integer index) {
    if (index == null) {
      return "-";
    }
    for (WaveView w : v.waves()) {
      if (w.index() == index) {
        return w.name();
      }
    }
    return v.waves().isEmpty() ? "all" : "#" + index;
  }

  /** {@code error_rate 4.2% (<1%) FAILED over 3 device(s), 1200 request(s)}. */
  public static String reading(GateReading r) {
    Gate g = r.gate();
    String limit = g.toString().substring(g.metric().length());
    if (r.observed() == null || r.passed() == null) {
      String observed = r.observed() == null ? "" : " " + value(g, r.observed());
      return g.metric()
          + observed
          + " ("
          + limit
          + ") undecided"
          + (r.undecided() == null ? "" : ": " + r.undecided());
    }
    return g.metric()
        + " "
        + value(g, r.observed())
        + " ("
        + limit
        + ") "
        + (r.passed() ? "passed" : "FAILED")
        + " over "
        + r.devices()
        + " device(s), "
        + r.requests()
        + " request(s)";
  }

  /** An observed value as the gate is written: a percentage for ratios. */
  static String value(Gate g, double observed) {
    double shown = g.measuresRatio() ? observed * 100 : observed;
    String number =
        shown == Math.rint(shown) && Math.abs(shown) < 1e15
            ? Long.toString((long) shown)
            : String.format(Locale.ROOT, "%.2f", shown)
                .replaceAll("0+$", "")
                .replaceAll("\\.$", "");
    return number + (g.measuresRatio() ? "%" : "");
  }

  /** {@code canary 5%, waves 25%,50%,100%, soak 10m, gates error_rate<1%, on fail rollback}. */
  public static String plan(RolloutPlan p) {
    List<String> parts = new ArrayList<>();
    if (p.canary() != null) {
      parts.add("canary " + p.canary());
    }
    parts.add(p.waves().isEmpty() ? "then the rest" : "waves " + String.join(",", p.waves()));
    parts.add("soak " + duration(p.soak() == null ? Duration.ZERO : p.soak()));
    if (!p.gates().isEmpty()) {
      parts.add("gates " + p.gates().stream().map(Gate::toString).collect(Collectors.joining(",")));
      parts.add("on fail " + p.onFail().name().toLowerCase(Locale.ROOT));
      parts.add("min " + (p.minDevices() == null ? 1 : p.minDevices()) + " device(s)");
      parts.add("min " + (p.minRequests() == null ? 1 : p.minRequests()) + " request(s)");
    }
    if (p.reportDeadline() != null) {
      parts.add("report deadline " + duration(p.reportDeadline()));
    }
    return String.join(", ", parts);
  }

  /** {@code 01:00-04:00 device-local time, once idle 30s}. */
  public static String window(MaintenanceWindow w) {
    List<String> parts = new ArrayList<>();
    if (w.start() != null) {
      parts.add(w.start() + "-" + w.end() + " device-local time");
    }
    if (w.idleSeconds() != null) {
      parts.add("once idle " + duration(Duration.ofSeconds(w.idleSeconds())));
    }
    return String.join(", ", parts);
  }

  /** {@code 10m}, {@code 90s}, {@code 1h30m}: short, for people. */
  static String duration(Duration d) {
    long s = d.toSeconds();
    if (s == 0) {
      return d.toMillis() == 0 ? "0s" : d.toMillis() + "ms";
    }
    StringBuilder text = new StringBuilder();
    if (s >= 3600) {
      text.append(s / 3600).append('h');
    }
    if (s % 3600 >= 60) {
      text.append(s % 3600 / 60).append('m');
    }
    if (s % 60 > 0) {
      text.append(s % 60).append('s');
    }
    return text.toString();
  }

  static String selector(String selector) {
    return selector == null || selector.isEmpty() ? "every device" : selector;
  }

  private static String soak(WaveView w) {
    return w.phase() == DeploymentView.WavePhase.SOAKING && w.soakUntil() != null
        ? " until " + time(w.soakUntil())
        : "";
  }

  static String time(Instant at) {
    return at == null ? "-" : at.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String field(String name, String value) {
    return String.format(Locale.ROOT, "%-10s %s", name + ":", value) + "\n";
  }
}
