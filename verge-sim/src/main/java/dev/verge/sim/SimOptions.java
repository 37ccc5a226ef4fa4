package dev.verge.sim;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * How the simulated fleet behaves.
 *
 * @param hub the hub's URL
 * @param adminToken the operator's token, to create the devices' enrollment tokens
 * @param devices how many devices to enroll and run
 * @param namePrefix device names are this and a number ({@code sim-0}, {@code sim-1}, ...)
 * @param labels labels every device enrolls with; each also gets {@code sim-group=g<n % 10>}
 * @param waitSeconds the long poll's wait (0: plain polls every {@code pollInterval})
 * @param pollInterval the pause between a device's polls (after a long poll returns, too)
 * @param download what a device does with a new bundle: fetch it whole and check its digest, or
 *     skip the transfer (to measure the hub's control path alone)
 * @param installTime how long a device takes to install a version, on average (exponential)
 * @param failRate the share of installs that fail (reported as failed, the old version kept)
 * @param reportInterval how often a device reports with nothing new (the agent's is 30 s)
 * @param seed for the random install times and failures
 * @param enrollConcurrency enrollments in flight at once
 * @param maxInFlight requests of all devices in flight at once, so connections too: each process
 *     here may hold some 20,000 open files, so a fleet larger than that polls through a shared pool
 *     instead of each device holding a connection (a device waits for a free slot)
 * @param push each device asks the hub for push access and hears desired-state changes over MQTT
 *     instead of long-polling (polling as usual when the hub pushes nothing or the broker is
 *     unreachable); each connected device holds a socket, so a process here takes some 18,000
 */
public record SimOptions(
    URI hub,
    String adminToken,
    int devices,
    String namePrefix,
    Map<String, String> labels,
    int waitSeconds,
    Duration pollInterval,
    Download download,
    Duration installTime,
    double failRate,
    Duration reportInterval,
    long seed,
    int enrollConcurrency,
    int maxInFlight,
    boolean push) {

  /** The default {@code maxInFlight}: well inside a process's usual 20,000 open files. */
  public static final int DEFAULT_MAX_IN_FLIGHT = 8_000;

  /** What a device does with a bundle it is given. */
  public enum Download {
    FULL,
    SKIP
  }

  public SimOptions {
    if (devices < 1) {
      throw new IllegalArgumentException("devices must be 1 or more, got " + devices);
    }
    if (waitSeconds < 0 || waitSeconds > 60) {
      throw new IllegalArgumentException("waitSeconds must be 0 to 60, got " + waitSeconds);
    }
    if (failRate < 0 || failRate > 1) {
      throw new IllegalArgumentException("failRate must be 0 to 1, got " + failRate);
    }
    if (enrollConcurrency < 1) {
      throw new IllegalArgumentException("enrollConcurrency must be 1 or more");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("maxInFlight must be 1 or more, got " + maxInFlight);
    }
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    namePrefix = namePrefix == null ? "sim-" : namePrefix;
  }

  /** Long polls of 30 s, full downloads, instant installs that never fail. */
  public static SimOptions defaults(URI hub, String adminToken, int devices) {
    return new SimOptions(
        hub,
        adminToken,
        devices,
        "sim-",
        Map.of(),
        30,
        Duration.ZERO,
        Download.FULL,
        Duration.ZERO,
        0,
        Duration.ofSeconds(30),
        1,
        64,
        DEFAULT_MAX_IN_FLIGHT,
        false);
  }

  public SimOptions withWaitSeconds(int seconds) {
    return new SimOptions(
        hub,
        adminToken,
        devices,
        namePrefix,
        labels,
        seconds,
        pollInterval,
        download,
        installTime,
        failRate,
        reportInterval,
        seed,
        enrollConcurrency,
        maxInFlight,
        push);
  }

  public SimOptions withInstalls(Duration time, double failures) {
    return new SimOptions(
        hub,
        adminToken,
        devices,
        namePrefix,
        labels,
        waitSeconds,
        pollInterval,
        download,
        time,
        failures,
        reportInterval,
        seed,
        enrollConcurrency,
        maxInFlight,
        push);
  }

  /** Plain polls every {@code interval}, through at most {@code maxInFlight} requests at once. */
  public SimOptions withPlainPolls(Duration interval, int maxInFlight) {
    return new SimOptions(
        hub,
        adminToken,
        devices,
        namePrefix,
        labels,
        0,
        interval,
        download,
        installTime,
        failRate,
        reportInterval,
        seed,
        enrollConcurrency,
        maxInFlight,
        push);
  }

  /** Push mode on or off ({@link #push}). */
  public SimOptions withPush(boolean on) {
    return new SimOptions(
        hub,
        adminToken,
        devices,
        namePrefix,
        labels,
        waitSeconds,
        pollInterval,
        download,
        installTime,
        failRate,
        reportInterval,
        seed,
        enrollConcurrency,
        maxInFlight,
        on);
  }
}
