package dev.verge.agent.sync;

import dev.verge.agent.AgentVersion;
import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.InferenceEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Makes the device run what the hub wants. Each cycle asks for the desired state (ETag, and
 * long-poll on the background loop), installs every desired model version not serving yet, stops
 * serving models no longer desired, and reports what the device runs. A model that fails is retried
 * with backoff, never in a hot loop; an unreachable hub is retried with capped exponential backoff;
 * neither ever stops what serves.
 */
public final class SyncLoop implements AutoCloseable {
  /** A report goes at least this often, as a heartbeat, even when nothing changed. */
  static final Duration HEARTBEAT = Duration.ofSeconds(30);

  static final Duration MAX_HUB_BACKOFF = Duration.ofMinutes(2);
  static final Duration FIRST_MODEL_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_MODEL_RETRY = Duration.ofMinutes(15);

  /** The hub holds a long poll at most this long (it caps at 60 s). */
  static final long MAX_LONG_POLL_SECONDS = 55;

  private static final System.Logger LOG = System.getLogger(SyncLoop.class.getName());

  private final HubClient hub;
  private final ModelInstaller installer;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final Duration pollInterval;
  private final Map<String, String> labels;
  private final Clock clock;
  private final SyncMetrics metrics;
  private final HubLink link = new HubLink("sync");
  private final ReentrantLock applying = new ReentrantLock();
  private final ReentrantLock reporting = new ReentrantLock();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();

  private volatile DesiredState desired;
  private volatile String etag;
  private volatile boolean restoredAll = true;
  private List<ModelReport> lastReported;
  private long lastServed = -1;
  private long lastFailed = -1;
  private Instant lastReportAt = Instant.MIN;
  private volatile Thread thread;
  private volatile boolean closed;

  /**
   * A loop that reports {@code labels} with every report, so the hub's copy follows the device's
   * configuration (and the desired state follows the labels); null reports none, and the hub keeps
   * the labels it has.
   */
  public SyncLoop(
      HubClient hub,
      InferenceEngine engine,
      TrustStore trust,
      ModelRegistry registry,
      AgentStore store,
      Path bundleFolder,
      Duration pollInterval,
      Map<String, String> labels) {
    this(hub, engine, trust, registry, store, bundleFolder, pollInterval, labels, SyncMetrics.NONE);
  }

  /** A loop as above that tells {@code metrics} of its downloads and installs. */
  public SyncLoop(
      HubClient hub,
      InferenceEngine engine,
      TrustStore trust,
      ModelRegistry registry,
      AgentStore store,
      Path bundleFolder,
      Duration pollInterval,
      Map<String, String> labels,
      SyncMetrics metrics) {
    this.hub = hub;
    this.labels = labels == null ? null : Map.copyOf(labels);
    this.registry = registry;
    this.store = store;
    this.pollInterval = pollInterval;
    this.clock = Clock.systemUTC();
    this.metrics = metrics;
    this.installer =
        new ModelInstaller(
            engine, trust, registry, store, new BundleDownloader(hub, bundleFolder, metrics));
  }

  /**
   * Serves again every model that was active when the agent last ran, from its kept bundle and
   * without the hub. Call once, before serving.
   */
  public void restore() {
    applying.lock();
    try {
      for (ModelState state : store.models()) {
        if (state.activeVersion() == null) {
          continue;
        }
        switch (installer.restore(state)) {
          case Activation.Activated a ->
              LOG.log(
                  System.Logger.Level.INFO,
                  "restored {0} v{1} from its kept bundle",
                  a.model(),
                  Long.toString(a.version()));
          case Activation.Failed f -> {
            restoredAll = false;
            failures.put(
                f.model(),
                Failure.first(f, state.activeDigest(), null, clock.instant(), Duration.ZERO));
            LOG.log(System.Logger.Level.ERROR, "cannot restore {0}: {1}", f.model(), f.error());
          }
        }
      }
    } finally {
      applying.unlock();
    }
  }

  /** Starts the background loop. */
  public void start() {
    thread = Thread.ofVirtual().name("verge-sync").start(this::run);
  }

  /**
   * Runs one cycle now on the calling thread, retrying failed models at once and reporting even
   * when nothing changed.
   */
  public void syncNow() {
    cycle(Duration.ZERO, true);
  }

  /** Why the device does not serve every model it should; empty when it does. */
  public Optional<String> notReady() {
    DesiredState state = desired;
    List<String> problems = new ArrayList<>();
    if (state == null) {
      if (!restoredAll) {
        failures.forEach((name, f) -> problems.add(name + " v" + f.version() + ": " + f.error()));
      }
    } else {
      for (DesiredModel model : state.models()) {
        Optional<Long> active = registry.activeVersion(model.name());
        if (active.isEmpty() || active.get() != model.version()) {
          Failure failure = failures.get(model.name());
          problems.add(
              model.name()
                  + " v"
                  + model.version()
                  + " is not active"
                  + active.map(v -> " (v" + v + " serves)").orElse("")
                  + (failure == null ? "" : ": " + failure.error()));
        }
      }
    }
    return problems.isEmpty()
        ? Optional.empty()
        : Optional.of("not ready: " + String.join("; ", problems));
  }

  /** Where the agent stands with the hub: offline, not yet answered, behind or in sync. */
  public SyncState state() {
    if (!link.isUp()) {
      return SyncState.OFFLINE;
    }
    if (desired == null) {
      return SyncState.STARTING;
    }
    return notReady().isPresent() ? SyncState.BEHIND : SyncState.IN_SYNC;
  }

  /** What the device runs, per model: desired, active, installed or failed. */
  public List<ModelReport> reports() {
    Map<String, List<Long>> installed = new TreeMap<>();
    for (InstalledBundle bundle : store.bundles()) {
      List<Long> versions = installed.computeIfAbsent(bundle.model(), m -> new ArrayList<>());
      if (!versions.contains(bundle.version())) {
        versions.add(bundle.version());
      }
    }
    Set<String> names = new TreeSet<>(installed.keySet());
    names.addAll(registry.activeVersions().keySet());
    names.addAll(failures.keySet());
    DesiredState state = desired;
    if (state != null) {
      state.models().forEach(m -> names.add(m.name()));
    }
    List<ModelReport> reports = new ArrayList<>();
    for (String name : names) {
      Failure failure = failures.get(name);
      reports.add(
          new ModelReport(
              name,
              registry.activeVersion(name).orElse(null),
              installed.getOrDefault(name, List.of()).stream().sorted().toList(),
              failure == null ? null : failure.version(),
              failure == null ? null : failure.error(),
              failure == null ? null : failure.deploymentId()));
    }
    return reports;
  }

  /**
   * One cycle.
   *
   * @param wait how long the hub may hold the poll
   * @param manual whether to retry failed models now and report regardless of changes
   * @return whether the hub answered the poll
   */
  boolean cycle(Duration wait, boolean manual) {
    DesiredPoll poll = null;
    try {
      poll = hub.desired(etag, wait);
      link.reached();
    } catch (HubException e) {
      if (!closed) {
        link.failed(e);
      }
    }
    applying.lock();
    try {
      if (poll instanceof DesiredPoll.Changed changed) {
        accept(changed);
      }
      apply(manual);
    } finally {
      applying.unlock();
    }
    if (poll != null) {
      report(manual);
    }
    return poll != null;
  }

  private void accept(DesiredPoll.Changed changed) {
    DesiredState previous = desired;
    desired = changed.state();
    etag = changed.etag();
    if (previous == null || !previous.revision().equals(changed.state().revision())) {
      LOG.log(
          System.Logger.Level.INFO,
          "desired state {0}: {1}",
          changed.state().revision(),
          changed.state().models().stream().map(m -> m.name() + " v" + m.version()).toList());
    }
  }

  private void apply(boolean manual) {
    DesiredState state = desired;
    if (state == null) {
      return;
    }
    Set<String> wanted = new HashSet<>();
    for (DesiredModel model : state.models()) {
      if (closed) {
        return;
      }
      wanted.add(model.name());
      if (isServing(model)) {
        failures.remove(model.name());
        continue;
      }
      Failure failure = failures.get(model.name());
      boolean sameTarget = failure != null && failure.isFor(model);
      if (sameTarget && !manual && clock.instant().isBefore(failure.retryAt())) {
        continue;
      }
      Activation outcome = installer.install(model);
      metrics.installed(
          switch (outcome) {
            case Activation.Activated a -> "activated";
            case Activation.Failed f -> f.check().name().toLowerCase(Locale.ROOT);
          });
      switch (outcome) {
        case Activation.Activated a -> {
          failures.remove(a.model());
          LOG.log(
              System.Logger.Level.INFO,
              "{0} v{1} serves{2}",
              a.model(),
              Long.toString(a.version()),
              a.replaced() == null ? "" : " (replacing v" + a.replaced() + ")");
        }
        case Activation.Failed f -> {
          Instant now = clock.instant();
          Failure next =
              sameTarget
                  ? failure.again(f, now)
                  : Failure.first(
                      f, model.bundleDigest(), model.deploymentId(), now, FIRST_MODEL_RETRY);
          failures.put(f.model(), next);
          LOG.log(
              System.Logger.Level.WARNING,
              "{0} v{1} refused: {2}; {3}; retrying in {4}",
              f.model(),
              Long.toString(f.version()),
              f.error(),
              registry
                  .activeVersion(f.model())
                  .map(v -> "v" + v + " keeps serving")
                  .orElse("nothing serves it"),
              Duration.between(now, next.retryAt()).toSeconds() + " s");
        }
      }
    }
    for (String name : registry.activeVersions().keySet()) {
      if (!wanted.contains(name)) {
        registry.remove(name);
        store.deactivate(name);
        LOG.log(System.Logger.Level.INFO, "{0} is no longer desired: stopped serving it", name);
      }
    }
    failures.keySet().retainAll(wanted);
  }

  private boolean isServing(DesiredModel model) {
    Optional<Long> active = registry.activeVersion(model.name());
    if (active.isEmpty() || active.get() != model.version()) {
      return false;
    }
    return store
        .model(model.name())
        .map(s -> Objects.equals(s.activeDigest(), model.bundleDigest()))
        .orElse(false);
  }

  /**
   * Reports when the models or the served/failed counters changed since the last report (at most
   * once a poll), when forced, or as heartbeat.
   */
  private void report(boolean force) {
    reporting.lock();
    try {
      List<ModelReport> models = reports();
      Counters counters = store.counters();
      Instant now = clock.instant();
      boolean countersMoved = counters.served() != lastServed || counters.failed() != lastFailed;
      boolean due =
          force
              || !models.equals(lastReported)
              || countersMoved
              || !now.isBefore(lastReportAt.plus(HEARTBEAT));
      if (!due) {
        return;
      }
      hub.report(
          new ReportedState(
              AgentVersion.CURRENT, models, counters.served(), counters.failed(), labels));
      lastReported = models;
      lastServed = counters.served();
      lastFailed = counters.failed();
      lastReportAt = now;
      link.reached();
    } catch (HubException e) {
      if (!closed) {
        link.failed(e);
      }
    } finally {
      reporting.unlock();
    }
  }

  private void run() {
    int hubFailures = 0;
    while (!closed) {
      long started = System.nanoTime();
      boolean reached;
      try {
        reached = cycle(longPollWait(), false);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.ERROR, "sync cycle failed: " + e.getMessage(), e);
        reached = false;
      }
      Duration delay;
      if (reached) {
        hubFailures = 0;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        delay = min(pollInterval.minus(elapsed), HEARTBEAT);
      } else {
        hubFailures++;
        delay = backoff(hubFailures);
      }
      if (!delay.isNegative() && !delay.isZero()) {
        try {
          Thread.sleep(delay);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  private Duration longPollWait() {
    long seconds = Math.min(pollInterval.toSeconds(), MAX_LONG_POLL_SECONDS);
    return seconds >= 1 ? Duration.ofSeconds(seconds) : Duration.ZERO;
  }

  /** The poll interval doubled per failure, capped, with ±20% jitter so fleets spread out. */
  private Duration backoff(int failures) {
    long base = pollInterval.toMillis();
    long capped = MAX_HUB_BACKOFF.toMillis();
    long millis = failures >= 20 ? capped : Math.min(capped, base << Math.min(failures, 20));
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Duration.ofMillis(Math.max(1, (long) (Math.max(millis, base) * jitter)));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** Stops the background loop; a cycle in progress is interrupted. */
  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(thread, "sync loop");
  }

  /**
   * A model version that failed, and when to try it again.
   *
   * @param deploymentId the deployment that asked for it; null for a kept bundle that failed to
   *     restore at start
   */
  record Failure(
      long version,
      String digest,
      Long deploymentId,
      Check check,
      String error,
      int attempts,
      Instant retryAt) {

    static Failure first(
        Activation.Failed failed, String digest, Long deploymentId, Instant now, Duration wait) {
      return new Failure(
          failed.version(),
          digest,
          deploymentId,
          failed.check(),
          failed.error(),
          1,
          now.plus(wait));
    }

    /**
     * Whether {@code model} asks for what already failed. A new deployment of the same bundle (a
     * rollback after a refused downgrade, say) is a new target, tried at once.
     */
    boolean isFor(DesiredModel model) {
      return version == model.version()
          && Objects.equals(digest, model.bundleDigest())
          && Objects.equals(deploymentId, model.deploymentId());
    }

    /** Another failure of the same target: the wait doubles, up to {@link #MAX_MODEL_RETRY}. */
    Failure again(Activation.Failed failed, Instant now) {
      long factor = 1L << Math.min(attempts, 16);
      Duration wait = FIRST_MODEL_RETRY.multipliedBy(factor);
      if (wait.compareTo(MAX_MODEL_RETRY) > 0) {
        wait = MAX_MODEL_RETRY;
      }
      return new Failure(
          version,
          digest,
          deploymentId,
          failed.check(),
          failed.error(),
          attempts + 1,
          now.plus(wait));
    }
  }
}
