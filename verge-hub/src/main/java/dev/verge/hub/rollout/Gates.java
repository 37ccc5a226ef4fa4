package dev.verge.hub.rollout;

import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.Gate;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.RolloutState;
import dev.verge.core.api.VersionStats;
import dev.verge.hub.device.Device;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a rollout's gates over the devices of the waves started so far, from what they report for
 * the deployment's version since they activated it.
 *
 * <p>A gate decides once enough devices have reported: {@code minDevices} (capped at the devices in
 * scope, so a one-device canary can decide) and, for the metric gates, {@code minRequests}. Devices
 * that fail or do not report within the deadline (UNREACHABLE) count as failed for {@code
 * install_success}; for the metric gates they contribute nothing, and once every device is settled
 * a gate still short of devices fails rather than waiting for ever.
 */
final class Gates {
  private Gates() {}

  static GateReading read(
      Gate gate, Rollout rollout, List<Member> scope, Map<String, Device> devices, Instant now) {
    int minDevices =
        Math.max(
            1,
            Math.min(
                rollout.plan().minDevices() == null ? 1 : rollout.plan().minDevices(),
                scope.size()));
    long minRequests = rollout.plan().minRequests() == null ? 1 : rollout.plan().minRequests();
    int active = 0;
    int failed = 0;
    boolean settled = true;
    List<VersionStats> stats = new ArrayList<>();
    for (Member m : scope) {
      switch (m.state()) {
        case ACTIVE -> {
          active++;
          VersionStats s = DeviceStates.stats(devices.get(m.deviceId()), rollout);
          if (s != null) {
            stats.add(s);
          }
        }
        case FAILED, UNREACHABLE -> failed++;
        case SUPERSEDED, ROLLED_BACK -> {}
        default -> settled = false;
      }
    }
    if (scope.isEmpty()) {
      return new GateReading(gate, null, true, null, 0, 0, now);
    }
    if (gate.metric().equals("install_success")) {
      int decided = active + failed;
      if (decided < minDevices) {
        return undecided(gate, decided + " of " + minDevices + " devices decided", decided, 0, now);
      }
      double observed = (double) active / decided;
      return decided(gate, observed, decided, 0, now);
    }
    long requests = 0;
    long errors = 0;
    for (VersionStats s : stats) {
      requests += s.requests();
      errors += s.errors();
    }
    if (stats.size() < minDevices) {
      String why =
          stats.size()
              + " of "
              + minDevices
              + " devices reported v"
              + rollout.version()
              + " counters";
      if (settled) {
        // Nobody else can report: the missing devices count as failed.
        return new GateReading(gate, null, false, null, stats.size(), requests, now);
      }
      return undecided(gate, why, stats.size(), requests, now);
    }
    if (requests < minRequests) {
      return undecided(
          gate, requests + " of " + minRequests + " requests served", stats.size(), requests, now);
    }
    Double observed = value(gate.metric(), stats, requests, errors);
    if (observed == null) {
      return undecided(gate, "no " + gate.metric() + " reported yet", stats.size(), requests, now);
    }
    return decided(gate, observed, stats.size(), requests, now);
  }

  private static Double value(String metric, List<VersionStats> stats, long requests, long errors) {
    return switch (metric) {
      case "error_rate" -> requests == 0 ? null : (double) errors / requests;
      case "p50_latency_ms" -> LatencyBuckets.quantileMillis(sum(stats), 0.50);
      case "p95_latency_ms" -> LatencyBuckets.quantileMillis(sum(stats), 0.95);
      case "p99_latency_ms" -> LatencyBuckets.quantileMillis(sum(stats), 0.99);
      default -> mean(metric.substring("mean:".length()), stats);
    };
  }

  private static List<Long> sum(List<VersionStats> stats) {
    long[] total = new long[LatencyBuckets.COUNT];
    for (VersionStats s : stats) {
      for (int i = 0; i < Math.min(total.length, s.latency().size()); i++) {
        total[i] += s.latency().get(i);
      }
    }
    List<Long> out = new ArrayList<>(total.length);
    for (long t : total) {
      out.add(t);
    }
    return out;
  }

  /** The mean over every successful request of the devices that report the column. */
  private static Double mean(String column, List<VersionStats> stats) {
    double weighted = 0;
    long weight = 0;
    for (VersionStats s : stats) {
      Double mean = s.outputMeans().get(column);
      long ok = s.requests() - s.errors();
      if (mean != null && ok > 0 && Double.isFinite(mean)) {
        weighted += mean * ok;
        weight += ok;
      }
    }
    return weight == 0 ? null : weighted / weight;
  }

  private static GateReading undecided(
      Gate gate, String why, int devices, long requests, Instant now) {
    return new GateReading(gate, null, null, why, devices, requests, now);
  }

  private static GateReading decided(
      Gate gate, double observed, int devices, long requests, Instant now) {
    return new GateReading(gate, observed, gate.passes(observed), null, devices, requests, now);
  }

  /** "gate error_rate<1% failed on canary: 12.5% over 3 devices, 400 requests". */
  static String describeFailure(GateReading r, String wave) {
    String observed =
        r.observed() == null
            ? "too few devices reported (" + r.devices() + ")"
            : format(r.gate(), r.observed());
    return "gate "
        + r.gate()
        + " failed on "
        + wave
        + ": "
        + observed
        + " over "
        + r.devices()
        + " device(s), "
        + r.requests()
        + " request(s)";
  }

  static String format(Gate gate, double value) {
    return gate.measuresRatio()
        ? String.format(Locale.ROOT, "%.2f%%", value * 100)
        : String.format(Locale.ROOT, "%.3f", value);
  }

  /** Only for rollouts with no member left that could still change its state. */
  static boolean settled(RolloutState s) {
    return switch (s) {
      case ACTIVE, FAILED, UNREACHABLE, SUPERSEDED, ROLLED_BACK -> true;
      case PENDING, DOWNLOADING, WAITING_FOR_WINDOW -> false;
    };
  }
}
