package dev.verge.sim;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PushAccess;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.VersionStats;
import dev.verge.core.bundle.Digests;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

/**
 * A fleet of simulated devices against a real hub: each enrolls through the device API, then polls
 * (or long-polls) its desired state with its ETag, fetches a new version's bundle and checks its
 * digest, "installs" it (a random time, a chosen share failing), and reports what it runs with the
 * per-version counters health gates read. One virtual thread a device, no model execution: tens of
 * thousands fit in one JVM. The hub cannot tell them from agents on the wire.
 *
 * <p>In push mode ({@link SimOptions#push}) each device also asks the hub for push access and
 * subscribes to its desired-state topic on the hub's MQTT broker ({@link PushLink}); while
 * subscribed it long-polls no more: it polls plainly once on each connect and on each message, and
 * otherwise only every {@link #PUSH_SAFETY_NET} (reporting and publishing its presence again then
 * too), as the agent does. A hub that pushes nothing, or a broker it cannot reach, leaves it
 * long-polling as without push.
 */
public final class FleetSimulator implements AutoCloseable {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
  private static final int MAX_DESIRED_BYTES = 1 << 20;

  /**
   * While pushed to, a device polls, reports and publishes its presence this often without being
   * told anything (the agent's heartbeat with push, and its presence refresh).
   */
  static final Duration PUSH_SAFETY_NET = PushAccess.PRESENCE_REFRESH;

  /** Bounds each MQTT connect, subscribe and publish. */
  private static final Duration MQTT_TIMEOUT = Duration.ofSeconds(10);

  /** The least time between two asks for push access (each makes the hub issue a password). */
  private static final Duration PUSH_MIN_ASK = Duration.ofMinutes(1);

  /** How long after a hub said it pushes nothing (409, 404) it is asked again. */
  private static final Duration PUSH_ASK_AGAIN = Duration.ofMinutes(10);

  /** How long the broker may refuse a device's credentials before it asks for new ones. */
  private static final Duration PUSH_REFUSED_FOR = Duration.ofSeconds(30);

  /** Requests each running version is said to have served per second (none fail). */
  private static final long REQUESTS_PER_SECOND = 10;

  private final SimOptions options;
  private final HttpClient http;

  /** Slots for requests in flight, shared by every device ({@link SimOptions#maxInFlight}). */
  private final Semaphore inFlight;

  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  private final List<Device> devices = new CopyOnWriteArrayList<>();
  private final List<Future<?>> loops = new CopyOnWriteArrayList<>();
  private final Stats stats = new Stats();
  private volatile boolean stopped;

  /** What the fleet has done so far. */
  static final class Stats {
    final LongAdder polls = new LongAdder();
    final LongAdder changed = new LongAdder();
    final LongAdder unchanged = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder downloads = new LongAdder();
    final LongAdder downloadedBytes = new LongAdder();
    final LongAdder installs = new LongAdder();
    final LongAdder failedInstalls = new LongAdder();
    final LongAdder reports = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder longPolls = new LongAdder();
    final LongAdder pushMessages = new LongAdder();
    final LongAdder pushDenied = new LongAdder();
    final Latencies pollLatency = new Latencies();
    final Latencies pushLatency = new Latencies();
    final Latencies pushLatencyTotal = new Latencies();
    final Latencies pushLatencyNewTotal = new Latencies();
    final AtomicReference<String> lastError = new AtomicReference<>();
  }

  /**
   * A moment's totals.
   *
   * @param retries exchanges sent a second time after failing before any answer
   * @param p50Micros median latency of the plain polls (not long polls) since the last snapshot
   * @param p99Micros their 99th percentile
   * @param longPolls polls that asked the hub to wait (included in {@code polls})
   * @param pushConnected devices subscribed to their desired-state topic now
   * @param pushMessages "desired state changed" messages the devices received
   * @param pushDenied answers that the hub pushes nothing (409, or 404 from a hub without push)
   * @param pushLatency from a message's {@code changedAt} to the device having the hub's answer to
   *     the poll it caused, since the last snapshot
   * @param pushLatencyTotal the same since the start
   * @param pushLatencyNewTotal of those, the polls answered with a new desired state (200, not 304:
   *     the hub also tells a device of changes that leave its state as it was), since the start
   * @param pushProblem why one of the devices not subscribed now is not (its last MQTT failure);
   *     null when every push device is, or none has failed
   * @param active devices by what they run, {@code model:version} (none: {@code -})
   */
  public record Snapshot(
      int devices,
      long polls,
      long changed,
      long unchanged,
      long errors,
      long downloads,
      long downloadedBytes,
      long installs,
      long failedInstalls,
      long reports,
      long retries,
      long p50Micros,
      long p99Micros,
      long longPolls,
      int pushConnected,
      long pushMessages,
      long pushDenied,
      Quantiles pushLatency,
      Quantiles pushLatencyTotal,
      Quantiles pushLatencyNewTotal,
      String pushProblem,
      Map<String, Integer> active,
      String lastError) {}

  /**
   * A latency distribution in microseconds (bucket upper bounds, about 4 % wide); zeros when empty.
   */
  public record Quantiles(long count, long p50Micros, long p99Micros, long maxMicros) {
    static Quantiles of(Latencies latencies) {
      return new Quantiles(
          latencies.count(),
          latencies.quantileMicros(0.50),
          latencies.quantileMicros(0.99),
          latencies.quantileMicros(1.0));
    }
  }

  private FleetSimulator(SimOptions options) {
    this.options = options;
    this.inFlight = new Semaphore(options.maxInFlight());
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .executor(threads)
            .build();
  }

  /**
   * Enrolls the fleet ({@code progress} told of each device enrolled) and starts every device.
   *
   * @throws SimulationException when the hub refuses the admin token or an enrollment
   */
  public static FleetSimulator start(SimOptions options, IntConsumer progress) {
    FleetSimulator sim = new FleetSimulator(options);
    try {
      sim.enrollAll(progress);
    } catch (RuntimeException e) {
      sim.close();
      throw e;
    }
    for (Device d : sim.devices) {
      sim.loops.add(sim.threads.submit(() -> sim.run(d)));
    }
    return sim;
  }

  private void enrollAll(IntConsumer progress) {
    Semaphore inFlight = new Semaphore(options.enrollConcurrency());
    List<Future<Device>> pending = new ArrayList<>();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < options.devices(); i++) {
      int index = i;
      inFlight.acquireUninterruptibly();
      pending.add(
          threads.submit(
              () -> {
                try {
                  Device d = enroll(index);
                  progress.accept(done.incrementAndGet());
                  return d;
                } finally {
                  inFlight.release();
                }
              }));
    }
    for (Future<Device> f : pending) {
      try {
        devices.add(f.get());
      } catch (ExecutionException e) {
        throw e.getCause() instanceof SimulationException s
            ? s
            : new SimulationException("enrollment failed: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SimulationException("interrupted while enrolling", e);
      }
    }
  }

  private Device enroll(int index) throws IOException, InterruptedException {
    HttpResponse<byte[]> token =
        send(
            json("POST", ApiPaths.ENROLLMENT_TOKENS, new EnrollmentTokenRequest(3600L, "verge sim"))
                .header("Authorization", "Bearer " + options.adminToken())
                .build());
    if (token.statusCode() == 401 || token.statusCode() == 403) {
      throw new SimulationException(
          "the hub refused the admin token ("
              + token.statusCode()
              + "): pass the hub's admin token");
    }
    expect(token, 201, "creating an enrollment token");
    String enrollment = Json.read(token.body(), EnrollmentToken.class).token();
    Map<String, String> labels = new TreeMap<>(options.labels());
    labels.put("sim-group", "g" + index % 10);
    HttpResponse<byte[]> enrolled =
        send(
            json(
                    "POST",
                    ApiPaths.ENROLL,
                    new EnrollRequest(
                        options.namePrefix() + index, labels, "verge-sim", "linux-sim"))
                .header("Authorization", "Bearer " + enrollment)
                .build());
    expect(enrolled, 201, "enrolling " + options.namePrefix() + index);
    EnrollResponse r = Json.read(enrolled.body(), EnrollResponse.class);
    return new Device(r.deviceId(), r.credential(), new Random(options.seed() * 31 + index));
  }

  /** One simulated device's state, touched only by its own thread. */
  private static final class Device {
    final String id;
    final String credential;
    final Random random;
    final Map<String, Running> running = new HashMap<>();
    volatile Map<String, Long> active = Map.of();
    String etag;
    Long failedVersion;
    String failedModel;
    Long failedDeployment;
    Instant lastReport = Instant.EPOCH;

    /** Released by the push link on a connect, a message or a loss: the device acts at once. */
    final Semaphore wake = new Semaphore(0);

    /** The earliest {@code changedAt} (epoch ms) no poll has answered yet; 0 for none. */
    final AtomicLong changedAt = new AtomicLong();

    volatile PushLink push;
    long nextPushAskNanos = System.nanoTime();

    /** While pushed to: when it next polls, reports and refreshes its presence unasked; 0 unset. */
    long nextBeatNanos;

    Device(String id, String credential, Random random) {
      this.id = id;
      this.credential = credential;
      this.random = random;
    }
  }

  private record Running(long version, long deploymentId, Instant since) {}

  private void run(Device d) {
    long backoffMillis = 500;
    while (!stopped) {
      try {
        if (options.push()) {
          managePush(d);
        }
        PushLink link = d.push;
        boolean pushed = link != null && link.subscribed();
        boolean beat = false;
        if (pushed) {
          // Asleep on push: a connect, a message or a loss wakes it; else its beat, every
          // PUSH_SAFETY_NET (a tenth more at most, so that a fleet started at once spreads out).
          long period = PUSH_SAFETY_NET.toNanos();
          if (d.nextBeatNanos == 0) {
            d.nextBeatNanos = System.nanoTime() + period + d.random.nextLong(period / 10);
          }
          long left = d.nextBeatNanos - System.nanoTime();
          beat = left <= 0 || !d.wake.tryAcquire(left, NANOSECONDS);
          d.wake.drainPermits();
          pushed = link.subscribed();
          if (beat) {
            d.nextBeatNanos = System.nanoTime() + period + d.random.nextLong(period / 10);
            if (pushed) {
              link.refreshPresence(); // The hub ages an online not refreshed (PRESENCE_MAX_AGE).
            }
          }
        } else {
          d.nextBeatNanos = 0;
        }
        long changedAt = d.changedAt.getAndSet(0);
        boolean news;
        try {
          news = poll(d, pushed ? 0 : options.waitSeconds(), changedAt);
        } catch (IOException | RuntimeException e) {
          if (changedAt != 0) {
            keepEarliest(d.changedAt, changedAt); // Measured at the retry that answers it.
          }
          throw e;
        }
        Duration reportEvery = pushed ? PUSH_SAFETY_NET : options.reportInterval();
        if (news
            || beat
            || Duration.between(d.lastReport, Instant.now()).compareTo(reportEvery) >= 0) {
          report(d);
        }
        backoffMillis = 500;
        if (!pushed) {
          pause(options.pollInterval().toMillis());
        }
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: one bad cycle must not end the device.
        if (stopped) {
          return;
        }
        failed(e);
        try {
          pause(backoffMillis / 2 + d.random.nextLong(backoffMillis));
        } catch (InterruptedException stop) {
          return;
        }
        backoffMillis = Math.min(MAX_BACKOFF.toMillis(), backoffMillis * 2);
      }
    }
  }

  /**
   * Asks the hub for push access when due (and again when the broker keeps refusing the
   * credentials), and opens the link. Every failure leaves the device polling and a later ask.
   */
  private void managePush(Device d) throws InterruptedException {
    PushLink link = d.push;
    long now = System.nanoTime();
    if (now - d.nextPushAskNanos < 0
        || link != null && link.refusedFor().compareTo(PUSH_REFUSED_FOR) < 0) {
      return;
    }
    d.nextPushAskNanos = now + PUSH_MIN_ASK.toNanos();
    PushAccess access;
    try {
      access = askPush(d);
    } catch (IOException | RuntimeException e) {
      failed(e); // Polling meanwhile; asked again after PUSH_MIN_ASK.
      return;
    }
    if (link != null) {
      link.close();
      d.push = null;
    }
    if (access == null) {
      stats.pushDenied.increment();
      d.nextPushAskNanos = now + PUSH_ASK_AGAIN.toNanos();
      return;
    }
    try {
      d.push = PushLink.open(d.id, access, listener(d), MQTT_TIMEOUT);
    } catch (IllegalArgumentException e) {
      failed(e);
      d.nextPushAskNanos = now + PUSH_ASK_AGAIN.toNanos();
      return;
    }
    // The first connect is given its time before the device long-polls (a long poll would hold
    // it for up to its wait); the permit is left for the loop, which then polls at once.
    if (d.wake.tryAcquire(MQTT_TIMEOUT.toMillis(), MILLISECONDS)) {
      d.wake.release();
    }
  }

  /** Fresh push access, or null when the hub pushes nothing (409, or 404 from an older hub). */
  private PushAccess askPush(Device d) throws IOException, InterruptedException {
    HttpResponse<byte[]> reply =
        send(
            HttpRequest.newBuilder(options.hub().resolve(ApiPaths.push(d.id)))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + d.credential)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
    if (reply.statusCode() == 409 || reply.statusCode() == 404) {
      return null;
    }
    expect(reply, 200, "asking for push access for " + d.id);
    return Json.read(reply.body(), PushAccess.class);
  }

  private PushLink.Listener listener(Device d) {
    return new PushLink.Listener() {
      @Override
      public void connected() {
        d.wake.release();
      }

      @Override
      public void changed(long changedAtMillis) {
        stats.pushMessages.increment();
        if (changedAtMillis > 0) {
          keepEarliest(d.changedAt, changedAtMillis);
        }
        d.wake.release();
      }

      @Override
      public void lost() {
        d.wake.release();
      }
    };
  }

  private static void keepEarliest(AtomicLong pending, long millis) {
    pending.accumulateAndGet(millis, (now, given) -> now == 0 ? given : Math.min(now, given));
  }

  private void failed(Throwable e) {
    stats.errors.increment();
    stats.lastError.set(e.getClass().getSimpleName() + ": " + e.getMessage());
  }

  /**
   * One poll, long when {@code waitSeconds} is above 0 and the device has an ETag; true when the
   * device changed what it runs (or failed to). {@code changedAt} (epoch ms, 0 for none) is the
   * push message this poll answers, its latency recorded once the hub has answered.
   */
  private boolean poll(Device d, int waitSeconds, long changedAt)
      throws IOException, InterruptedException {
    String path = ApiPaths.desired(d.id);
    boolean waiting = waitSeconds > 0 && d.etag != null;
    if (waiting) {
      path += "?waitSeconds=" + waitSeconds;
      stats.longPolls.increment();
    }
    HttpRequest.Builder request =
        HttpRequest.newBuilder(options.hub().resolve(path))
            .timeout(REQUEST_TIMEOUT.plusSeconds(waitSeconds))
            .header("Authorization", "Bearer " + d.credential)
            .GET();
    if (d.etag != null) {
      request.header("If-None-Match", d.etag);
    }
    long started = System.nanoTime();
    HttpResponse<byte[]> reply = send(request.build());
    if (!waiting) {
      stats.pollLatency.record(System.nanoTime() - started);
    }
    if (changedAt != 0) {
      long nanos =
          (ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now()) - changedAt * 1_000) * 1_000;
      stats.pushLatency.record(nanos);
      stats.pushLatencyTotal.record(nanos);
      if (reply.statusCode() == 200) {
        stats.pushLatencyNewTotal.record(nanos);
      }
    }
    stats.polls.increment();
    if (reply.statusCode() == 304) {
      stats.unchanged.increment();
      return false;
    }
    expect(reply, 200, "polling the desired state of " + d.id);
    stats.changed.increment();
    if (reply.body().length > MAX_DESIRED_BYTES) {
      throw new IOException("a desired state of " + reply.body().length + " bytes");
    }
    DesiredState desired = Json.read(reply.body(), DesiredState.class);
    boolean changed = false;
    for (DesiredModel m : desired.models()) {
      Running now = d.running.get(m.name());
      if (now == null || now.version() != m.version()) {
        changed |= install(d, m);
      }
    }
    List<String> gone = new ArrayList<>();
    for (String name : d.running.keySet()) {
      if (desired.models().stream().noneMatch(m -> m.name().equals(name))) {
        gone.add(name);
      }
    }
    gone.forEach(d.running::remove);
    Map<String, Long> active = new TreeMap<>();
    d.running.forEach((name, r) -> active.put(name, r.version()));
    d.active = Map.copyOf(active);
    // Only now: a download or install that threw leaves the old ETag, so the next poll is
    // answered with the state again and the device tries again, as an agent does.
    d.etag = reply.headers().firstValue("ETag").orElse(null);
    return changed || !gone.isEmpty();
  }

  /** Fetches and "installs" a version; false when this version already failed here. */
  private boolean install(Device d, DesiredModel m) throws IOException, InterruptedException {
    if (Long.valueOf(m.version()).equals(d.failedVersion) && m.name().equals(d.failedModel)) {
      return false; // As an agent does: a version that failed is not tried again.
    }
    if (options.download() == SimOptions.Download.FULL) {
      download(d, m);
    }
    long meanMillis = options.installTime().toMillis();
    if (meanMillis > 0) {
      pause((long) (-Math.log(1 - d.random.nextDouble()) * meanMillis));
    }
    stats.installs.increment();
    if (d.random.nextDouble() < options.failRate()) {
      stats.failedInstalls.increment();
      d.failedVersion = m.version();
      d.failedModel = m.name();
      d.failedDeployment = m.deploymentId();
      return true;
    }
    d.running.put(m.name(), new Running(m.version(), m.deploymentId(), Instant.now()));
    return true;
  }

  private void download(Device d, DesiredModel m) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(options.hub().resolve(ApiPaths.bundle(m.bundleDigest())))
            .timeout(REQUEST_TIMEOUT.multipliedBy(4))
            .header("Authorization", "Bearer " + d.credential)
            .GET()
            .build();
    inFlight.acquire();
    try {
      fetch(request, m);
    } finally {
      inFlight.release();
    }
  }

  private void fetch(HttpRequest request, DesiredModel m) throws IOException, InterruptedException {
    HttpResponse<InputStream> reply;
    try {
      reply = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new IOException("downloading " + m.bundleDigest() + ": " + e.getMessage(), e);
    }
    try (InputStream body = reply.body()) {
      if (reply.statusCode() != 200) {
        throw new IOException(
            "downloading " + m.bundleDigest() + " answered " + reply.statusCode());
      }
      CountingStream counted = new CountingStream(body, m.bundleSize());
      String digest = Digests.sha256Hex(counted);
      stats.downloads.increment();
      stats.downloadedBytes.add(counted.count);
      if (!digest.equals(m.bundleDigest())) {
        throw new IOException(
            "the bundle for " + m.name() + " v" + m.version() + " has digest " + digest);
      }
    }
  }

  private void report(Device d) throws IOException, InterruptedException {
    Instant now = Instant.now();
    List<ModelReport> models = new ArrayList<>();
    d.running.forEach(
        (name, r) -> {
          long served =
              Math.max(0, Duration.between(r.since(), now).toSeconds()) * REQUESTS_PER_SECOND;
          boolean failedHere = name.equals(d.failedModel);
          models.add(
              new ModelReport(
                  name,
                  r.version(),
                  List.of(r.version()),
                  failedHere ? d.failedVersion : null,
                  failedHere ? "simulated install failure" : null,
                  failedHere ? d.failedDeployment : null,
                  new VersionStats(
                      r.version(), r.deploymentId(), r.since(), served, 0, List.of(), Map.of()),
                  null));
        });
    if (d.failedModel != null && !d.running.containsKey(d.failedModel)) {
      models.add(
          new ModelReport(
              d.failedModel,
              null,
              List.of(),
              d.failedVersion,
              "simulated install failure",
              d.failedDeployment));
    }
    HttpResponse<byte[]> reply =
        send(
            json("PUT", ApiPaths.reported(d.id), new ReportedState("verge-sim", models, 0, 0))
                .header("Authorization", "Bearer " + d.credential)
                .build());
    if (reply.statusCode() != 204 && reply.statusCode() != 200) {
      expect(reply, 204, "reporting " + d.id);
    }
    stats.reports.increment();
    d.lastReport = now;
  }

  private HttpRequest.Builder json(String method, String path, Object body) {
    return HttpRequest.newBuilder(options.hub().resolve(path))
        .timeout(REQUEST_TIMEOUT)
        .header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
  }

  /**
   * One exchange. A PUT or GET that fails before any answer is sent once more: the JDK's client may
   * have picked a kept-alive connection the hub was closing for idleness (its idle time-out is as
   * long as the report interval), and both are idempotent.
   */
  private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
    boolean idempotent = request.method().equals("GET") || request.method().equals("PUT");
    for (int attempt = 1; ; attempt++) {
      inFlight.acquire();
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        if (idempotent && attempt == 1 && !stopped) {
          stats.retries.increment();
          continue;
        }
        throw new IOException(
            request.method() + " " + request.uri().getPath() + ": " + e.getMessage(), e);
      } finally {
        inFlight.release();
      }
    }
  }

  private static void expect(HttpResponse<byte[]> reply, int status, String what)
      throws IOException {
    if (reply.statusCode() != status) {
      String body = new String(reply.body(), 0, Math.min(300, reply.body().length));
      throw new IOException(what + " answered " + reply.statusCode() + ": " + body);
    }
  }

  private void pause(long millis) throws InterruptedException {
    if (millis > 0 && !stopped) {
      Thread.sleep(millis);
    }
  }

  /** The fleet now; the latencies are those since the previous snapshot. */
  public Snapshot snapshot() {
    Latencies latest = stats.pollLatency.drain();
    Latencies pushLatest = stats.pushLatency.drain();
    Map<String, Integer> active = new TreeMap<>();
    int pushConnected = 0;
    String pushProblem = null;
    for (Device d : devices) {
      PushLink link = d.push;
      if (link != null && link.subscribed()) {
        pushConnected++;
      } else if (link != null && pushProblem == null) {
        pushProblem = link.lastFailure();
      }
      if (d.active.isEmpty()) {
        active.merge("-", 1, Integer::sum);
      }
      d.active.forEach((name, version) -> active.merge(name + ":" + version, 1, Integer::sum));
    }
    return new Snapshot(
        devices.size(),
        stats.polls.sum(),
        stats.changed.sum(),
        stats.unchanged.sum(),
        stats.errors.sum(),
        stats.downloads.sum(),
        stats.downloadedBytes.sum(),
        stats.installs.sum(),
        stats.failedInstalls.sum(),
        stats.reports.sum(),
        stats.retries.sum(),
        latest.quantileMicros(0.50),
        latest.quantileMicros(0.99),
        stats.longPolls.sum(),
        pushConnected,
        stats.pushMessages.sum(),
        stats.pushDenied.sum(),
        Quantiles.of(pushLatest),
        Quantiles.of(stats.pushLatencyTotal),
        Quantiles.of(stats.pushLatencyNewTotal),
        pushProblem,
        active,
        stats.lastError.get());
  }

  /** The enrolled devices' ids, in enrollment order. */
  public List<String> deviceIds() {
    return devices.stream().map(d -> d.id).toList();
  }

  /** How many devices run {@code version} of {@code model}. */
  public int running(String model, long version) {
    int n = 0;
    for (Device d : devices) {
      Long running = d.active.get(model);
      if (running != null && running == version) {
        n++;
      }
    }
    return n;
  }

  /**
   * Stops every device (a long poll in flight is abandoned; a push link disconnects with its will,
   * so the hub hears it offline, all within a few seconds) and the HTTP client.
   */
  @Override
  public void close() {
    stopped = true;
    loops.forEach(f -> f.cancel(true));
    List<CompletableFuture<Void>> disconnects = new ArrayList<>();
    for (Device d : devices) {
      PushLink link = d.push;
      if (link != null) {
        disconnects.add(link.close());
      }
    }
    try {
      CompletableFuture.allOf(disconnects.toArray(CompletableFuture[]::new))
          .get(MQTT_TIMEOUT.toMillis(), MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      // Those not gone by now are dropped with the process; the broker sends their wills.
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    threads.shutdownNow();
    http.shutdownNow();
  }

  /** Counts the bytes read, refusing more than the bundle's listed size. */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final long limit;
    long count;

    CountingStream(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        add(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        add(n);
      }
      return n;
    }

    private void add(long n) throws IOException {
      count += n;
      if (count > limit) {
        throw new IOException("the bundle is longer than its listed " + limit + " bytes");
      }
    }
  }
}
