package dev.verge.bench.fleet;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.VersionStats;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Devices that speak the hub's device API without running models: each enrolls, long-polls its
 * desired state, fetches every desired bundle (so download limits are exercised), reports the
 * version active at once, and then reports health counters that grow with time as a serving
 * device's would. How each version behaves is the {@link Behaviour} the fleet was given, so a
 * rollout of a bad version can be measured at fleet sizes real agents cannot reach on one machine.
 */
public final class SimulatedFleet implements AutoCloseable {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);
  private static final System.Logger LOG = System.getLogger(SimulatedFleet.class.getName());

  /** How a version behaves on a device: per second of serving. */
  public record Behaviour(
      long requestsPerSecond,
      double errorRate,
      long latencyMicros,
      Map<String, Double> outputMeans) {}

  private final URI hub;
  private final HttpClient http;
  private final LongFunction<Behaviour> behaviour;
  private final Duration reportInterval;
  private final List<Device> devices = new ArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean closed;

  /**
   * Enrolls {@code count} devices named {@code prefix-N} with {@code labels}, using the admin token
   * to make their enrollment tokens, and starts them.
   */
  public SimulatedFleet(
      URI hub,
      String adminToken,
      int count,
      String prefix,
      Map<String, String> labels,
      LongFunction<Behaviour> behaviour,
      Duration reportInterval)
      throws IOException, InterruptedException {
    this.hub = hub;
    this.behaviour = behaviour;
    this.reportInterval = reportInterval;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    for (int i = 0; i < count; i++) {
      EnrollmentToken token =
          call(
              "POST",
              ApiPaths.ENROLLMENT_TOKENS,
              adminToken,
              new EnrollmentTokenRequest(3600L, "simulated"),
              EnrollmentToken.class);
      String name = prefix + "-" + i;
      EnrollResponse enrolled =
          call(
              "POST",
              ApiPaths.ENROLL,
              token.token(),
              new EnrollRequest(name, labels, "simulated", "simulated"),
              EnrollResponse.class);
      devices.add(new Device(enrolled.deviceId(), enrolled.credential()));
    }
    for (Device device : devices) {
      Thread.ofVirtual().name("sim-" + device.id).start(device::run);
    }
  }

  /** Calls that failed so far (each is retried on the device's next cycle). */
  public long failures() {
    return failures.get();
  }

  public List<String> deviceIds() {
    return devices.stream().map(d -> d.id).toList();
  }

  /** The version each device serves of {@code model}, by device id (absent: none). */
  public Map<String, Long> active(String model) {
    Map<String, Long> active = new java.util.TreeMap<>();
    for (Device d : devices) {
      Serving s = d.serving.get(model);
      if (s != null) {
        active.put(d.id, s.version);
      }
    }
    return active;
  }

  /** Every version each device ever received for {@code model}. */
  public Map<String, List<Long>> received(String model) {
    Map<String, List<Long>> received = new java.util.TreeMap<>();
    for (Device d : devices) {
      received.put(d.id, List.copyOf(d.received.getOrDefault(model, List.of())));
    }
    return received;
  }

  /** What one device does: long-poll, fetch, switch, report. */
  private final class Device {
    final String id;
    final String credential;
    final Map<String, Serving> serving = new java.util.concurrent.ConcurrentHashMap<>();
    final Map<String, List<Long>> received = new java.util.concurrent.ConcurrentHashMap<>();
    String etag;
    Instant lastReport = Instant.EPOCH;

    Device(String id, String credential) {
      this.id = id;
      this.credential = credential;
    }

    void run() {
      while (!closed) {
        try {
          cycle();
        } catch (InterruptedException e) {
          return;
        } catch (IOException | RuntimeException | Error e) {
          failures.incrementAndGet();
          LOG.log(System.Logger.Level.DEBUG, "simulated device " + id + ": " + e, e);
          if (pause(Duration.ofMillis(500))) {
            return;
          }
        }
      }
    }

    void cycle() throws IOException, InterruptedException {
      long wait = Math.max(1, reportInterval.toSeconds());
      HttpRequest.Builder poll =
          request(ApiPaths.desired(id) + "?waitSeconds=" + wait, credential).GET();
      if (etag != null) {
        poll.header("If-None-Match", etag);
      }
      HttpResponse<byte[]> answer =
          http.send(poll.build(), HttpResponse.BodyHandlers.ofByteArray());
      boolean changed = false;
      if (answer.statusCode() == 200) {
        etag = answer.headers().firstValue("ETag").orElse(null);
        changed = apply(Json.read(answer.body(), DesiredState.class));
      } else if (answer.statusCode() != 304) {
        throw new IOException("desired state: HTTP " + answer.statusCode());
      }
      Instant now = Instant.now();
      if (changed || !now.isBefore(lastReport.plus(reportInterval))) {
        report(now);
        lastReport = now;
      }
    }

    boolean apply(DesiredState state) throws IOException, InterruptedException {
      boolean changed = false;
      for (DesiredModel model : state.models()) {
        Serving current = serving.get(model.name());
        if (current != null && current.version == model.version()) {
          continue;
        }
        fetch(model.bundleDigest());
        serving.put(
            model.name(), new Serving(model.version(), model.deploymentId(), Instant.now()));
        received
            .computeIfAbsent(model.name(), m -> new java.util.concurrent.CopyOnWriteArrayList<>())
            .add(model.version());
        changed = true;
      }
      return changed;
    }

    void fetch(String digest) throws IOException, InterruptedException {
      HttpResponse<InputStream> bundle =
          http.send(
              request(ApiPaths.bundle(digest), credential).GET().build(),
              HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream in = bundle.body()) {
        in.transferTo(java.io.OutputStream.nullOutputStream());
      }
      if (bundle.statusCode() != 200) {
        throw new IOException("bundle " + digest + ": HTTP " + bundle.statusCode());
      }
    }

    void report(Instant now) throws IOException, InterruptedException {
      List<ModelReport> models = new ArrayList<>();
      serving.forEach(
          (name, s) -> {
            Behaviour b = behaviour.apply(s.version);
            double seconds = Duration.between(s.since, now).toMillis() / 1000.0;
            long requests = (long) (b.requestsPerSecond() * seconds);
            long errors = (long) (requests * b.errorRate());
            List<Long> latency = new ArrayList<>(Collections.nCopies(LatencyBuckets.COUNT, 0L));
            latency.set(LatencyBuckets.index(b.latencyMicros()), requests);
            models.add(
                new ModelReport(
                    name,
                    s.version,
                    List.of(s.version),
                    null,
                    null,
                    null,
                    new VersionStats(
                        s.version,
                        s.deploymentId,
                        s.since,
                        requests,
                        errors,
                        latency,
                        requests > errors ? b.outputMeans() : Map.of()),
                    null));
          });
      HttpResponse<byte[]> answer =
          http.send(
              request(ApiPaths.reported(id), credential)
                  .header("Content-Type", "application/json")
                  .PUT(
                      HttpRequest.BodyPublishers.ofByteArray(
                          Json.write(new ReportedState("simulated", models, 0, 0))))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (answer.statusCode() != 204) {
        throw new IOException("report: HTTP " + answer.statusCode());
      }
    }
  }

  private record Serving(long version, long deploymentId, Instant since) {}

  private HttpRequest.Builder request(String path, String bearer) {
    return HttpRequest.newBuilder(hub.resolve(path))
        .timeout(CALL_TIMEOUT.plusSeconds(60))
        .header("Authorization", "Bearer " + bearer);
  }

  private <T> T call(String method, String path, String bearer, Object body, Class<T> type)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> answer =
        http.send(
            request(path, bearer)
                .header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(body)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (answer.statusCode() / 100 != 2) {
      throw new IOException(
          method + " " + path + ": HTTP " + answer.statusCode() + " " + new String(answer.body()));
    }
    return Json.read(answer.body(), type);
  }

  /** Waits; true when the fleet is closing. */
  private boolean pause(Duration d) {
    try {
      return closing.await(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  @Override
  public void close() {
    closed = true;
    closing.countDown();
    http.shutdownNow();
  }
}
