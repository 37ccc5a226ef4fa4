package dev.verge.cli;

import dev.verge.sim.FleetSimulator;
import dev.verge.sim.SimOptions;
import dev.verge.sim.SimulationException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code verge sim}: a fleet of simulated devices against a hub, printing what they do each second,
 * for load and rollout measurements (docs/benchmarks.md).
 */
@Command(
    name = "sim",
    mixinStandardHelpOptions = true,
    description = {
      "Run simulated devices against a hub: each enrolls, polls or long-polls its desired state,"
          + " downloads and checks new bundles, installs (a random time, a chosen share failing)"
          + " and reports, as agents do, without running models.",
      "With --push each device hears desired-state changes over the hub's MQTT broker instead"
          + " of long-polling, as agents do when the hub pushes.",
      "Prints one line a second; stops after --duration or on Ctrl-C, printing the totals."
    })
final class SimCommand implements Runnable {
  @Mixin HubOptions hub;

  @Option(
      names = "--devices",
      defaultValue = "1000",
      paramLabel = "N",
      description = "Devices to enroll and run (default ${DEFAULT-VALUE}).")
  int devices;

  @Option(
      names = "--wait",
      defaultValue = "30",
      paramLabel = "SECONDS",
      description = "Long-poll wait, 0 to 60; 0 polls plainly (default ${DEFAULT-VALUE}).")
  int waitSeconds;

  @Option(
      names = "--interval",
      defaultValue = "0s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description =
          "Pause between a device's polls (default ${DEFAULT-VALUE}; use 5s with --wait 0).")
  Duration interval;

  @Option(
      names = "--download",
      defaultValue = "full",
      paramLabel = "full|skip",
      description =
          "Fetch each new bundle whole and check its digest, or skip it (default ${DEFAULT-VALUE}).")
  String download;

  @Option(
      names = "--install-time",
      defaultValue = "0s",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Mean time an install takes, exponentially spread (default ${DEFAULT-VALUE}).")
  Duration installTime;

  @Option(
      names = "--fail-rate",
      defaultValue = "0",
      paramLabel = "0..1",
      description = "Share of installs that fail (default ${DEFAULT-VALUE}).")
  double failRate;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "A label every device enrolls with; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(
      names = "--name-prefix",
      defaultValue = "sim-",
      paramLabel = "TEXT",
      description = "Device names: this and a number (default ${DEFAULT-VALUE}).")
  String namePrefix;

  @Option(
      names = "--duration",
      converter = DurationConverter.class,
      paramLabel = "DURATION",
      description = "Stop after this long (default: run until Ctrl-C).")
  Duration duration;

  @Option(
      names = "--report-interval",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      defaultValue = "30s",
      description =
          "How often a device reports with nothing new (default ${DEFAULT-VALUE}, the agent's).")
  Duration reportInterval;

  @Option(
      names = "--max-in-flight",
      paramLabel = "N",
      defaultValue = "" + SimOptions.DEFAULT_MAX_IN_FLIGHT,
      description =
          "Requests (so connections) of all devices at once (default ${DEFAULT-VALUE}); a fleet"
              + " larger than a process's open files polls through this many.")
  int maxInFlight;

  @Option(
      names = "--push",
      description =
          "Ask the hub for push access and hear desired-state changes over its MQTT broker: a"
              + " device polls once on connect, on each message and every 5 min, long-polling only"
              + " when the hub pushes nothing or the broker is unreachable. Each connected device"
              + " holds a socket: with a 20,000 open-file limit, some 18,000 devices a process"
              + " (fewer with a high --max-in-flight).")
  boolean push;

  @Option(
      names = "--seed",
      defaultValue = "1",
      paramLabel = "N",
      description = "Seed for install times and failures (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public void run() {
    SimOptions.Download mode =
        switch (download.toLowerCase(Locale.ROOT)) {
          case "full" -> SimOptions.Download.FULL;
          case "skip" -> SimOptions.Download.SKIP;
          default ->
              throw new CommandFailedException(
                  "--download must be full or skip, got '" + download + "'");
        };
    SimOptions options;
    try {
      options =
          new SimOptions(
              hub.hub,
              hub.token(),
              devices,
              namePrefix,
              labels,
              waitSeconds,
              interval,
              mode,
              installTime,
              failRate,
              reportInterval,
              seed,
              64,
              maxInFlight,
              push);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException(e.getMessage());
    }
    PrintStream out = System.out;
    warnOfOpenFiles(System.err);
    long started = System.nanoTime();
    FleetSimulator sim;
    try {
      sim =
          FleetSimulator.start(
              options,
              n -> {
                if (n % 1000 == 0 || n == devices) {
                  out.printf("enrolled %d of %d devices%n", n, devices);
                }
              });
    } catch (SimulationException e) {
      throw new CommandFailedException(e.getMessage());
    }
    out.printf(
        "enrolled %d devices in %.1f s; running (%s)%n",
        devices,
        (System.nanoTime() - started) / 1e9,
        (push ? "push, else " : "")
            + (waitSeconds > 0
                ? "long polls of " + waitSeconds + " s"
                : "polls every " + interval));
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch finished = new CountDownLatch(1);
    // On Ctrl-C or SIGTERM the JVM exits once its hooks end: this one waits for the totals.
    Thread hook =
        new Thread(
            () -> {
              stop.countDown();
              try {
                finished.await(15, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    try (sim) {
      FleetSimulator.Snapshot last = sim.snapshot();
      long runStart = System.nanoTime();
      while (!stop.await(1, TimeUnit.SECONDS)) {
        FleetSimulator.Snapshot now = sim.snapshot();
        long seconds = (System.nanoTime() - runStart) / 1_000_000_000L;
        out.println(line(seconds, last, now, push));
        last = now;
        if (duration != null && seconds >= duration.toSeconds()) {
          break;
        }
      }
      out.println("total: " + summary(sim.snapshot(), push));
      out.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // Shutting down already.
      }
    }
  }

  static String line(
      long seconds, FleetSimulator.Snapshot before, FleetSimulator.Snapshot now, boolean push) {
    long polls = now.polls() - before.polls();
    long unchanged = now.unchanged() - before.unchanged();
    String pushed =
        !push
            ? ""
            : String.format(
                Locale.ROOT,
                "  push %d connected, %d msgs, change→fetch p50 %s p99 %s",
                now.pushConnected(),
                now.pushMessages(),
                millis(now.pushLatency().p50Micros()),
                millis(now.pushLatency().p99Micros()));
    return String.format(
        Locale.ROOT,
        "%4ds  polls/s %6d (304 %3.0f%%)  p50 %s p99 %s%s  downloads %d  installs %d (failed %d)"
            + "  errors %d  running %s",
        seconds,
        polls,
        polls == 0 ? 0.0 : 100.0 * unchanged / polls,
        millis(now.p50Micros()),
        millis(now.p99Micros()),
        pushed,
        now.downloads(),
        now.installs(),
        now.failedInstalls(),
        now.errors(),
        now.active());
  }

  static String summary(FleetSimulator.Snapshot s, boolean push) {
    FleetSimulator.Quantiles latency = s.pushLatencyTotal();
    FleetSimulator.Quantiles news = s.pushLatencyNewTotal();
    String pushed =
        !push
            ? ""
            : String.format(
                    Locale.ROOT,
                    ", push: %d connected, %d messages, %d refused by the hub, change→fetch %d"
                        + " (p50 %s, p99 %s, max %s), of which a new state %d (p50 %s, p99 %s,"
                        + " max %s)",
                    s.pushConnected(),
                    s.pushMessages(),
                    s.pushDenied(),
                    latency.count(),
                    millis(latency.p50Micros()),
                    millis(latency.p99Micros()),
                    millis(latency.maxMicros()),
                    news.count(),
                    millis(news.p50Micros()),
                    millis(news.p99Micros()),
                    millis(news.maxMicros()))
                + (s.pushProblem() == null ? "" : " (not connected: " + s.pushProblem() + ")");
    return String.format(
        Locale.ROOT,
        "%d polls (%d changed, %d unchanged, %d long), %d downloads (%.1f MiB), %d installs"
            + " (%d failed), %d reports, %d retries, %d errors%s%s; running %s",
        s.polls(),
        s.changed(),
        s.unchanged(),
        s.longPolls(),
        s.downloads(),
        s.downloadedBytes() / 1048576.0,
        s.installs(),
        s.failedInstalls(),
        s.reports(),
        s.retries(),
        s.errors(),
        pushed,
        s.lastError() == null ? "" : " (last: " + s.lastError() + ")",
        s.active());
  }

  /**
   * Each push device holds an MQTT socket besides the shared HTTP connections: past the process's
   * open-file limit, connects fail with "too many open files" (and those devices long-poll).
   */
  private void warnOfOpenFiles(PrintStream err) {
    if (!push
        || !(java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            instanceof com.sun.management.UnixOperatingSystemMXBean unix)) {
      return;
    }
    long limit = unix.getMaxFileDescriptorCount();
    long needed = (long) devices + Math.min(devices, maxInFlight) + 200;
    if (needed > limit) {
      err.printf(
          "verge sim: %d push devices and --max-in-flight %d may need %d open files; this process"
              + " may hold %d: lower --devices or --max-in-flight, or run several simulators%n",
          devices, maxInFlight, needed, limit);
    }
  }

  private static String millis(long micros) {
    return micros == 0 ? "-" : String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
  }
}
