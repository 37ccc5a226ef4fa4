package dev.verge.agent.sync;

import dev.verge.agent.AgentVersion;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.VersionTally;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.HardwareProfile;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.VersionStats;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.InferenceEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Makes the device run what the hub wants. Each cycle asks for the desired state (ETag, and
 * long-poll on the background loop), installs every desired model version not serving yet, stops
 * serving models no longer desired, and reports what the device runs: per model its versions, the
 * active version's health counters, and the version it works towards (downloading, retrying a
 * transient failure, or verified and waiting for its maintenance window, which a small background
 * check watches between polls). A model that fails is retried with backoff, never in a hot loop,
 * and a newer deployment never waits for an older one's back-off; an unreachable hub is retried
 * with capped exponential backoff; neither ever stops what serves.
 *
 * <p>While a {@link PushChannel} is connected ({@link #listen}), the loop does not long-poll: it
 * asks without waiting, then sleeps until {@link #wake()} (a push message, a reconnect), the next
 * model retry, or {@link #PUSH_POLL_INTERVAL}; the heartbeat report stretches to {@link
 * #PUSH_HEARTBEAT}. Without push it long-polls as it always did.
 */
public final class SyncLoop implements AutoCloseable {
  /** A report goes at least this often, as a heartbeat, even when nothing changed. */
  static final Duration HEARTBEAT = Duration.ofSeconds(30);

  /**
   * The heartbeat while push is connected: the hub counts the device online from its MQTT presence
   * then, so the report only refreshes what the hub shows (counters, health figures).
   */
  static final Duration PUSH_HEARTBEAT = Duration.ofMinutes(5);

  /**
   * While push is connected, the hub is asked at least this often anyway: a safety net for a push
   * message lost between the hub and the broker.
   */
  static final Duration PUSH_POLL_INTERVAL = Duration.ofMinutes(5);

  static final Duration MAX_HUB_BACKOFF = Duration.ofMinutes(2);
  static final Duration FIRST_MODEL_RETRY = Duration.ofSeconds(10);
  static final Duration MAX_MODEL_RETRY = Duration.ofMinutes(15);

  /** Retries of a version refused (a failed check, a load that failed): 10 s doubling to 15 min. */
  static final Backoff REFUSAL_BACKOFF = new Backoff(FIRST_MODEL_RETRY, MAX_MODEL_RETRY);

  /** The hub holds a long poll at most this long (it caps at 60 s). */
  static final long MAX_LONG_POLL_SECONDS = 55;

  private static final System.Logger LOG = System.getLogger(SyncLoop.class.getName());

  /** While a verified version waits for its window, the window is checked this often. */
  static final Duration WINDOW_CHECK = Duration.ofSeconds(1);

  /** While a download holds the loop, the hub is asked this often whether it still wants it. */
  static final Duration PEEK_INTERVAL = Duration.ofSeconds(5);

  /** A transient download failure is retried at least this often. */
  static final Duration MAX_TRANSIENT_RETRY = Duration.ofMinutes(2);

  /** Retries of a transient failure (the hub or the link down, a stall): 10 s doubling to 2 min. */
  static final Backoff TRANSIENT_BACKOFF = new Backoff(FIRST_MODEL_RETRY, MAX_TRANSIENT_RETRY);

  /** The back-off for another try of a version that failed as {@code failed} did. */
  static Backoff retryBackoff(boolean retryable) {
    return retryable ? TRANSIENT_BACKOFF : REFUSAL_BACKOFF;
  }

  /**
   * How the loop runs.
   *
   * @param pollInterval how often to ask the hub for the desired state
   * @param labels reported with every report, so the hub's copy follows the device's configuration
   *     (and the desired state follows the labels); null reports none, and the hub keeps its labels
   * @param timeZone the zone maintenance windows are read in, reported to the hub
   * @param clock the device's clock: windows, back-off, idle time
   * @param downloads what a download may take: its idle time-out, the rate cap, the largest model
   * @param hardware what the device is, sent with every report (the hub writes it only when it
   *     changed); null sends none
   */
  public record Settings(
      Duration pollInterval,
      Map<String, String> labels,
      ZoneId timeZone,
      Clock clock,
      DownloadLimits downloads,
      HardwareProfile hardware) {
    public Settings {
      labels = labels == null ? null : Map.copyOf(labels);
      Objects.requireNonNull(pollInterval, "pollInterval");
      Objects.requireNonNull(timeZone, "timeZone");
      Objects.requireNonNull(clock, "clock");
      Objects.requireNonNull(downloads, "downloads");
    }

    /** The system clock and zone, and the default download limits. */
    public static Settings of(Duration pollInterval, Map<String, String> labels) {
      return new Settings(
          pollInterval,
          labels,
          ZoneId.systemDefault(),
          Clock.systemUTC(),
          DownloadLimits.defaults(),
          null);
    }
  }

  private final HubClient hub;
  private final ModelInstaller installer;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final HealthCounters health;
  private final Duration pollInterval;
  private final Map<String, String> labels;
  private final HardwareProfile hardware;
  private final ZoneId zone;
  private final Clock clock;
  private final SyncMetrics metrics;
  private final HubLink link = new HubLink("sync");
  private final ReentrantLock applying = new ReentrantLock();
  private final ReentrantLock reporting = new ReentrantLock();
  private final ReentrantLock saving = new ReentrantLock();
  private final Map<String, Failure> failures = new ConcurrentHashMap<>();
  private final Map<String, PendingTarget> pending = new ConcurrentHashMap<>();
  private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
  private final SideBySideSync beside;
  private final LocalChanges local = new LocalChanges();
  private final LocalRepository repository;
  private final AtomicBoolean reportQueued = new AtomicBoolean();
  private final SafeUpdates updates;
  private final BundleCollector collector;
  private volatile boolean collectDue = true;
  private final Wakeup wakeup = new Wakeup();
  private volatile PushChannel push = PushChannel.NONE;

  private volatile DesiredState desired;
  private volatile String etag;
  private volatile boolean restoredAll = true;
  private List<ModelReport> lastReported;
  private List<VersionTally> lastSaved;
  private long lastServed = -1;
  private long lastFailed = -1;
  private Instant lastReportAt = Instant.MIN;
  private volatile Thread thread;
  private volatile Thread windowThread;
  private volatile DesiredModel downloadingNow;
  private volatile DesiredState peeked;
  private volatile long lastPeekNanos;
  private volatile boolean closed;

  /**
   * A loop that counts into {@code health}, tells {@code metrics} of its downloads and installs,
   * and runs as {@code settings} say.
   */
  public SyncLoop(
      HubClient hub,
      InferenceEngine engine,
      TrustStore trust,
      ModelRegistry registry,
      AgentStore store,
      Path bundleFolder,
      HealthCounters health,
      SyncMetrics metrics,
      Settings settings) {
    this(
        hub,
        engine,
        trust,
        registry,
        store,
        bundleFolder,
        health,
        metrics,
        settings,
        UpdatePolicy.defaults(),
        InstallObserver.NONE);
  }

  /**
   * A loop as above that guards new versions as {@code policy} says, telling {@code observer} of
   * each install step it journals.
   */
  public SyncLoop(
      HubClient hub,
      InferenceEngine engine,
      TrustStore trust,
      ModelRegistry registry,
      AgentStore store,
      Path bundleFolder,
      HealthCounters health,
      SyncMetrics metrics,
      Settings settings,
      UpdatePolicy policy,
      InstallObserver observer) {
    this.hub = hub;
    this.labels = settings.labels();
    this.hardware = settings.hardware();
    this.registry = registry;
    this.store = store;
    this.health = health;
    this.pollInterval = settings.pollInterval();
    this.zone = settings.timeZone();
    this.clock = settings.clock();
    this.metrics = metrics;
    BundleDownloader downloader =
        new BundleDownloader(hub, bundleFolder, metrics, settings.downloads());
    InstallJournal journal = new InstallJournal(store, clock, observer);
    this.installer =
        new ModelInstaller(
            engine,
            trust,
            registry,
            store,
            downloader,
            health,
            settings.downloads().maxModelBytes(),
            journal);
    this.updates =
        new SafeUpdates(
            policy, journal, installer, registry, store, health, metrics, this::saveHealth);
    this.collector =
        new BundleCollector(store, downloader, bundleFolder, policy.keepBundles(), metrics);
    this.beside = new SideBySideSync(installer, registry, store, clock);
    this.repository = new LocalRepository(this, installer, registry, store, local, beside, clock);
  }

  /**
   * The model repository extension on this device: its index, and local loads and unloads, which
   * last until the hub's desired state next changes (or the agent restarts) and are reported.
   */
  public dev.verge.agent.serving.ModelRepository repository() {
    return repository;
  }

  /**
   * Serves again every model that was active when the agent last ran, from its kept bundle and
   * without the hub. Call once, before serving.
   */
  public void restore() {
    applying.lock();
    try {
      // What a kill or a crash loop left in the journal is settled first (resume, or go back).
      updates.beforeRestore();
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
      beside.restore();
      for (RefusedVersion r : updates.refusals()) {
        failures.putIfAbsent(r.model(), Failure.refused(r));
      }
    } finally {
      applying.unlock();
    }
  }

  /**
   * Hears desired-state changes through {@code channel} while it is connected (see the class
   * comment); {@link PushChannel#NONE} long-polls again. Whoever feeds the channel calls {@link
   * #wake()} on each of its messages and (re)connects.
   */
  public void listen(PushChannel channel) {
    push = Objects.requireNonNull(channel, "channel");
    wakeup.wake();
  }

  /**
   * Asks the hub for the desired state now: ends the loop's sleep, or, when a cycle is running,
   * makes the loop run another right after it (a wake is never lost).
   */
  public void wake() {
    wakeup.wake();
  }

  /** Starts the background loop, and the check of maintenance windows. */
  public void start() {
    thread = Thread.ofVirtual().name("verge-sync").start(this::run);
    windowThread = Thread.ofVirtual().name("verge-windows").start(this::watchWindows);
  }

  /**
   * Runs one cycle now on the calling thread, retrying failed models at once and reporting even
   * when nothing changed.
   */
  public void syncNow() {
    cycle(Duration.ZERO, true);
  }

  /**
   * One pass of an agent that sleeps between pipeline cycles, in place of the background loops:
   * polls without asking the hub to hold the answer, installs what is due (a failed version waits
   * for its back-off as on the loop), runs the maintenance window and health checks the window
   * thread runs otherwise, and reports when something changed or the heartbeat is due.
   *
   * @return whether the hub answered the poll
   */
  public boolean pass() {
    boolean reached = cycle(Duration.ZERO, false);
    checkWindows();
    return reached;
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
        if (local.isUnloaded(model.name())) {
          continue; // Unloaded on purpose, through the local API.
        }
        Optional<Long> active = registry.activeVersion(model.name());
        if (active.isPresent() && isRefusedHere(model)) {
          // The device went back by itself (or refused it) and serves the version before: the hub
          // has the reason; requests are served.
          continue;
        }
        if (active.isPresent() && isWaitingForWindow(model)) {
          // Serving the version before, by design, until the window: that is no reason to
          // turn requests away.
          continue;
        }
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

  private boolean isRefusedHere(DesiredModel model) {
    return updates.refuses(model);
  }

  private boolean isWaitingForWindow(DesiredModel model) {
    PendingTarget target = pending.get(model.name());
    return target != null
        && target.phase() == PendingTarget.Phase.WAITING_FOR_WINDOW
        && target.version() == model.version()
        && target.deploymentId() == model.deploymentId();
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
    names.addAll(registry.servedVersions().keySet());
    names.addAll(local.models());
    DesiredState state = desired;
    if (state != null) {
      state.models().forEach(m -> names.add(m.name()));
      state.sideBySide().forEach(m -> names.add(m.name()));
    }
    List<ModelReport> reports = new ArrayList<>();
    for (String name : names) {
      // A transient failure is no refusal: the version is pending (RETRYING), not failed.
      Failure failure = failures.get(name);
      Failure refusal = failure == null || failure.retryable() ? null : failure;
      Long active = registry.activeVersion(name).orElse(null);
      VersionStats stats =
          active == null
              ? null
              : health.stats(name).filter(s -> s.version() == active.longValue()).orElse(null);
      reports.add(
          new ModelReport(
              name,
              active,
              installed.getOrDefault(name, List.of()).stream().sorted().toList(),
              refusal == null ? null : refusal.version(),
              // A version kept serving though it failed a check says so, with no failed version.
              refusal != null
                  ? refusal.error()
                  : active == null ? null : updates.notice(name, active).orElse(null),
              refusal == null ? null : refusal.deploymentId(),
              stats,
              pending.get(name),
              beside.report(name, state == null ? null : state.sideBySide()),
              localChanges(name)));
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
      checkHealthLocked();
      collectLocked();
    } finally {
      applying.unlock();
    }
    saveHealth();
    if (poll != null) {
      report(manual);
    }
    return poll != null;
  }

  private void accept(DesiredPoll.Changed changed) {
    DesiredState previous = desired;
    desired = changed.state();
    etag = changed.etag();
    if ((previous == null || !previous.revision().equals(changed.state().revision()))
        && !local.isEmpty()) {
      undoLocalChanges();
    }
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
      if (local.isUnloaded(model.name())) {
        continue; // Left unloaded until the hub's desired state changes.
      }
      if (isServing(model)) {
        failures.remove(model.name());
        pending.remove(model.name());
        prepared.remove(model.name());
        continue;
      }
      Optional<RefusedVersion> refusedHere = updates.refusal(model);
      if (refusedHere.isPresent()) {
        // Refused by the device itself (or rolled back from) until the hub sends another
        // deployment: a manual sync does not retry it either.
        failures.putIfAbsent(model.name(), Failure.refused(refusedHere.get()));
        pending.remove(model.name());
        prepared.remove(model.name());
        continue;
      }
      // Only the same deployment asking again waits for its back-off: a newer one (a rollback
      // after a refusal, say) is a new target and tried at once.
      Failure failure = failures.get(model.name());
      boolean sameTarget = failure != null && failure.isFor(model);
      if (sameTarget && !manual && clock.instant().isBefore(failure.retryAt())) {
        continue;
      }
      advance(model, sameTarget ? failure : null);
    }
    for (String name : registry.activeVersions().keySet()) {
      if (!wanted.contains(name) && local.localDefault(name) == null) {
        registry.remove(name);
        store.deactivate(name);
        health.removed(name);
        updates.stopped(name);
        collectDue = true;
        LOG.log(System.Logger.Level.INFO, "{0} is no longer desired: stopped serving it", name);
      }
    }
    failures.keySet().retainAll(wanted);
    pending.keySet().retainAll(wanted);
    prepared.keySet().retainAll(wanted);
    if (!closed) {
      beside.apply(state.sideBySide(), local.unloadedModels(), manual, name -> report(false));
    }
  }

  /**
   * The hub's desired state changed: it wins over what was loaded or unloaded through the local
   * API. Unloaded models serve again (the cycle's apply installs them); versions loaded locally
   * stop serving, unless the hub now asks for them.
   */
  private void undoLocalChanges() {
    for (LocalChanges.Loaded l : local.clear()) {
      if (l.asDefault()) {
        if (registry.activeVersion(l.model()).orElse(-1L) == l.version()) {
          registry.remove(l.model());
        }
      } else if (store.besideVersions().stream()
          .noneMatch(b -> b.model().equals(l.model()) && b.version() == l.version())) {
        registry.removeBeside(l.model(), l.version());
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "the hub''s desired state changed: local loads and unloads are undone");
  }

  /** The local changes in effect for {@code name}: a local load the hub since replaced is none. */
  private List<dev.verge.core.api.LocalChange> localChanges(String name) {
    Set<Long> served = registry.servedVersions(name);
    return local.of(name).stream()
        .filter(c -> c.version() == null || served.contains(c.version()))
        .toList();
  }

  // For the model repository extension (LocalRepository).

  /** Runs {@code work} while no cycle applies the desired state. */
  void locked(Runnable work) {
    applying.lock();
    try {
      work.run();
    } finally {
      applying.unlock();
    }
  }

  /** Applies the desired state now; the caller holds {@link #locked}. */
  void applyNow() {
    apply(false);
  }

  DesiredState desiredNow() {
    return desired;
  }

  Failure failure(String name) {
    return failures.get(name);
  }

  PendingTarget pending(String name) {
    return pending.get(name);
  }

  /**
   * Reports on a thread of its own, so a local change reaches the hub without a wait for it; at
   * most one such report waits at a time, however many changes come.
   */
  void reportSoon() {
    if (closed || !reportQueued.compareAndSet(false, true)) {
      return;
    }
    Thread.ofVirtual()
        .name("verge-report")
        .start(
            () -> {
              try {
                reportQueued.set(false); // A change made during this report queues the next.
                report(true);
              } catch (Throwable e) {
                LOG.log(System.Logger.Level.WARNING, "cannot report a local change: " + e, e);
              }
            });
  }

  /**
   * Takes {@code model} one step on: installs it at once, or, with a maintenance window, fetches
   * and verifies it and activates it only once the window allows.
   *
   * @param earlier the earlier failure of this same target, null when none
   */
  private void advance(DesiredModel model, Failure earlier) {
    AtomicBoolean progressed = new AtomicBoolean();
    DownloadWatch downloading =
        new DownloadWatch() {
          @Override
          public void started() {
            downloading(model, null);
          }

          @Override
          public boolean superseded() {
            return isSuperseded(model);
          }

          @Override
          public void progressed() {
            progressed.set(true);
          }

          @Override
          public void resuming(String reason) {
            downloading(model, "resuming after: " + reason);
          }
        };
    try {
      advance(model, earlier, downloading, progressed::get);
    } finally {
      downloadingNow = null;
      peeked = null;
    }
  }

  /**
   * @param progressed whether a download of this advance brought bytes: a transient failure after
   *     progress starts its back-off over instead of doubling it
   */
  private void advance(
      DesiredModel model, Failure earlier, DownloadWatch downloading, BooleanSupplier progressed) {
    String name = model.name();
    Failure failure = earlier;
    if (model.window() == null) {
      prepared.remove(name);
      Activation result = installer.install(model, downloading);
      outcome(model, result, afterProgress(result, failure, progressed));
      return;
    }
    Prepared ready = prepared.get(name);
    if (ready == null || !ready.model().equals(model)) {
      prepared.remove(name);
      switch (installer.prepare(model, downloading)) {
        case Preparation.Refused refused -> {
          outcome(model, refused.failure(), afterProgress(refused.failure(), failure, progressed));
          return;
        }
        case Preparation.Ready r -> {
          ready = new Prepared(model, r.file());
          prepared.put(name, ready);
          if (failure != null && failure.retryable()) {
            // The download it retried is done; a refusal (a load that failed) keeps its back-off.
            failures.remove(name);
            failure = null;
          }
        }
      }
    }
    if (windowAllows(model)) {
      prepared.remove(name);
      outcome(model, installer.activate(model, ready.file()), failure);
    } else {
      waitForWindow(model);
    }
  }

  /**
   * The earlier failure to count {@code result} after: none (a first failure, the shortest wait)
   * when it is a transient failure of a download that made progress.
   */
  static Failure afterProgress(Activation result, Failure earlier, BooleanSupplier progressed) {
    return result instanceof Activation.Failed f && f.retryable() && progressed.getAsBoolean()
        ? null
        : earlier;
  }

  private boolean windowAllows(DesiredModel model) {
    LocalTime now = LocalTime.ofInstant(clock.instant(), zone);
    return model.window().allows(now, health.idleFor(model.name()));
  }

  /**
   * Whether the hub, asked while {@code model} downloads, now wants something else for its name:
   * then the download stops, so that a newer deployment never waits for an older one's bundle.
   */
  private boolean isSuperseded(DesiredModel model) {
    DesiredState state = peeked;
    if (state == null) {
      return false;
    }
    return state.models().stream()
        .noneMatch(
            m ->
                m.name().equals(model.name())
                    && m.version() == model.version()
                    && m.deploymentId() == model.deploymentId()
                    && Objects.equals(m.bundleDigest(), model.bundleDigest()));
  }

  /**
   * While a download runs (and holds the sync loop), asks the hub every {@link #PEEK_INTERVAL}
   * whether the desired state changed, without taking it: the cycle after the download does.
   */
  void peekWhileDownloading() {
    if (downloadingNow == null || System.nanoTime() - lastPeekNanos < PEEK_INTERVAL.toNanos()) {
      return;
    }
    lastPeekNanos = System.nanoTime();
    try {
      if (hub.desired(etag, Duration.ZERO) instanceof DesiredPoll.Changed changed) {
        peeked = changed.state();
      }
    } catch (HubException e) {
      // The download meets the same hub; the cycle tells of the link.
    }
  }

  /**
   * Marks {@code model} as downloading and tells the hub, as a download may take a while.
   *
   * @param note null when the download starts; why it resumes when a try broke off after progress
   */
  private void downloading(DesiredModel model, String note) {
    if (note == null) {
      peeked = null;
      lastPeekNanos = System.nanoTime();
    }
    downloadingNow = model;
    PendingTarget before = pending.get(model.name());
    boolean already =
        before != null
            && before.phase() == PendingTarget.Phase.DOWNLOADING
            && before.version() == model.version()
            && before.deploymentId() == model.deploymentId();
    pending.put(
        model.name(),
        new PendingTarget(
            model.version(),
            model.deploymentId(),
            PendingTarget.Phase.DOWNLOADING,
            note,
            already ? before.since() : clock.instant()));
    report(false);
  }

  private void waitForWindow(DesiredModel model) {
    if (isWaitingForWindow(model)) {
      return;
    }
    String window = describe(model.window());
    pending.put(
        model.name(),
        new PendingTarget(
            model.version(),
            model.deploymentId(),
            PendingTarget.Phase.WAITING_FOR_WINDOW,
            window,
            clock.instant()));
    LOG.log(
        System.Logger.Level.INFO,
        "{0} v{1} is verified and waits for its {2}",
        model.name(),
        Long.toString(model.version()),
        window);
  }

  private String describe(MaintenanceWindow window) {
    List<String> parts = new ArrayList<>();
    if (window.start() != null) {
      parts.add("window " + window.start() + "-" + window.end() + " " + zone.getId());
    }
    if (window.idleSeconds() != null) {
      parts.add("idle " + window.idleSeconds() + " s");
    }
    return String.join(", ", parts);
  }

  private void outcome(DesiredModel model, Activation outcome, Failure failure) {
    metrics.installed(
        switch (outcome) {
          case Activation.Activated a -> "activated";
          case Activation.Failed f -> f.check().name().toLowerCase(Locale.ROOT);
        });
    switch (outcome) {
      case Activation.Activated a -> {
        failures.remove(a.model());
        pending.remove(a.model());
        updates.activated(a.model());
        collectDue = true;
        LOG.log(
            System.Logger.Level.INFO,
            "{0} v{1} serves{2}",
            a.model(),
            Long.toString(a.version()),
            a.replaced() == null ? "" : " (replacing v" + a.replaced() + ")");
      }
      case Activation.Failed f -> {
        if (f.check() == Check.LOAD || f.check() == Check.SAMPLES) {
          metrics.rolledBack(f.check().name().toLowerCase(Locale.ROOT));
          collectDue = true;
        }
        Instant now = clock.instant();
        Failure next =
            failure != null
                ? failure.again(f, now)
                : Failure.first(f, model.bundleDigest(), model.deploymentId(), now);
        failures.put(f.model(), next);
        if (f.retryable()) {
          pending.put(
              f.model(),
              new PendingTarget(
                  model.version(),
                  model.deploymentId(),
                  PendingTarget.Phase.RETRYING,
                  f.error(),
                  now));
        } else {
          pending.remove(f.model());
        }
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} v{1} {2}: {3}; {4}; {5}",
            f.model(),
            Long.toString(f.version()),
            f.retryable() ? "not fetched yet" : "refused",
            f.error(),
            registry
                .activeVersion(f.model())
                .map(v -> "v" + v + " keeps serving")
                .orElse("nothing serves it"),
            updates.refuses(model)
                ? "not tried again until the hub sends another deployment"
                : "retrying in " + Duration.between(now, next.retryAt()).toSeconds() + " s");
      }
    }
  }

  /**
   * Activates every verified version whose window now allows it, without waiting for the next poll.
   * Skips the check while a cycle is applying the desired state.
   */
  void checkWindows() {
    if (prepared.isEmpty() || !applying.tryLock()) {
      return;
    }
    boolean changed = false;
    try {
      DesiredState state = desired;
      if (state == null) {
        return;
      }
      for (DesiredModel model : state.models()) {
        Prepared ready = prepared.get(model.name());
        if (closed || ready == null || !ready.model().equals(model) || !windowAllows(model)) {
          continue;
        }
        prepared.remove(model.name());
        Failure failure = failures.get(model.name());
        outcome(
            model,
            installer.activate(model, ready.file()),
            failure != null && failure.isFor(model) ? failure : null);
        changed = true;
      }
    } finally {
      applying.unlock();
    }
    if (changed) {
      saveHealth();
      report(false);
    }
  }

  private void watchWindows() {
    while (!closed) {
      try {
        Thread.sleep(WINDOW_CHECK);
      } catch (InterruptedException e) {
        return;
      }
      try {
        peekWhileDownloading();
        checkWindows();
        checkHealth();
      } catch (Throwable e) {
        // One failed check must not end the checks: report it and go on.
        LOG.log(System.Logger.Level.ERROR, "maintenance window check failed: " + e, e);
      }
    }
  }

  /**
   * Runs the health check of the versions on trial now: those that passed are committed, those that
   * failed sent back to their previous version. Skips while a cycle is applying the desired state
   * (which runs it itself).
   */
  public void checkHealth() {
    if (!applying.tryLock()) {
      recordTrialProgress(); // A cycle is applying (downloading, say): the check waits for it.
      return;
    }
    boolean changed;
    try {
      changed = checkHealthLocked();
      collectLocked();
    } finally {
      applying.unlock();
    }
    if (changed) {
      saveHealth();
      report(false);
    }
  }

  /** The health check; the caller holds the lock. Returns whether a version was sent back. */
  private boolean checkHealthLocked() {
    if (closed) {
      return false;
    }
    List<RefusedVersion> rolledBack;
    try {
      rolledBack = updates.check();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "health check not recorded: " + e.getMessage());
      return false;
    }
    for (RefusedVersion r : rolledBack) {
      failures.put(r.model(), Failure.refused(r));
      pending.remove(r.model());
    }
    collectDue |= !rolledBack.isEmpty() || updates.committedSinceLastAsked();
    return !rolledBack.isEmpty();
  }

  /** Deletes the bundles no longer needed when something changed; the caller holds the lock. */
  private void collectLocked() {
    if (!collectDue || closed) {
      return;
    }
    collectDue = false;
    DesiredState state = desired;
    Set<String> wanted = state == null ? null : new HashSet<>();
    if (state != null) {
      for (DesiredModel m : state.models()) {
        if (updates.refusal(m).isEmpty()) {
          wanted.add(m.bundleDigest());
        }
      }
      for (DesiredModel m : state.sideBySide()) {
        wanted.add(m.bundleDigest());
      }
      prepared.values().forEach(p -> wanted.add(p.model().bundleDigest()));
    }
    try {
      collector.collect(wanted, registry.servedVersions());
    } catch (StoreException e) {
      collectDue = true;
      LOG.log(System.Logger.Level.WARNING, "bundle collection skipped: " + e.getMessage());
    }
  }

  /** Saves the health counters when they moved since last saved, so a restart goes on from them. */
  public void saveHealth() {
    saving.lock();
    try {
      List<VersionTally> tallies = health.tallies();
      if (tallies.equals(lastSaved)) {
        return;
      }
      store.saveTallies(tallies);
      lastSaved = tallies;
    } catch (StoreException | IllegalStateException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot save the health counters: " + e.getMessage());
    } finally {
      saving.unlock();
    }
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
              || !now.isBefore(lastReportAt.plus(push.connected() ? PUSH_HEARTBEAT : HEARTBEAT));
      if (!due) {
        return;
      }
      hub.report(
          new ReportedState(
              AgentVersion.CURRENT,
              models,
              counters.served(),
              counters.failed(),
              labels,
              zone.getId(),
              hardware));
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
    // The first failure waits a poll interval, as a poll that reached the hub does; then doubling.
    Backoff.Tries hubFailures =
        new Backoff(pollInterval, max(pollInterval, MAX_HUB_BACKOFF)).tries();
    while (!closed) {
      long started = System.nanoTime();
      boolean pushed = push.connected();
      if (pushed) {
        wakeup.clear(); // This poll answers every wake so far; one during the cycle is kept.
      }
      boolean reached;
      try {
        reached = cycle(pushed ? Duration.ZERO : longPollWait(), false);
      } catch (Throwable e) {
        // Error included: one failed cycle must not end the loop that keeps the device current.
        LOG.log(System.Logger.Level.ERROR, "sync cycle failed: " + e, e);
        reached = false;
      }
      Duration delay;
      if (!reached) {
        delay = hubFailures.failed();
      } else {
        hubFailures.reset();
        if (pushed && push.connected()) {
          delay = min(PUSH_POLL_INTERVAL, untilNextRetry());
        } else {
          Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
          delay = min(pollInterval.minus(elapsed), HEARTBEAT);
        }
      }
      try {
        // Woken early by push (a message, a reconnect): the next cycle asks the hub at once.
        wakeup.sleep(delay);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  /**
   * How long until a failed model version is due to be tried again: a push-connected loop sleeps no
   * longer, as a long-polling one never does past its poll.
   */
  private Duration untilNextRetry() {
    Instant now = clock.instant();
    Instant next = Instant.MAX;
    for (Failure failure : failures.values()) {
      // One already due was left alone by the cycle that just ran (unloaded locally, say): it
      // must not make the loop poll in a hot loop.
      if (failure.retryAt().isAfter(now) && failure.retryAt().isBefore(next)) {
        next = failure.retryAt();
      }
    }
    return next.equals(Instant.MAX) ? PUSH_POLL_INTERVAL : Duration.between(now, next);
  }

  private Duration longPollWait() {
    long seconds = Math.min(pollInterval.toSeconds(), MAX_LONG_POLL_SECONDS);
    return seconds >= 1 ? Duration.ofSeconds(seconds) : Duration.ZERO;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** Stops the background loops; a cycle in progress is interrupted. */
  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(windowThread, "maintenance window check");
    BackgroundThreads.stop(thread, "sync loop");
    // What the last second answered on trial: a stop is no crash when the version answered.
    recordTrialProgress();
  }

  private void recordTrialProgress() {
    try {
      updates.recordProgress();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "trial progress not recorded: " + e.getMessage());
    }
  }

  /** A version fetched and verified for {@code model}, waiting for its window. */
  private record Prepared(DesiredModel model, Path file) {}

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
      boolean retryable,
      int attempts,
      Instant retryAt) {

    /** A first failure, tried again after its back-off's first wait. */
    static Failure first(Activation.Failed failed, String digest, Long deploymentId, Instant now) {
      return first(failed, digest, deploymentId, now, retryBackoff(failed.retryable()).delay(1));
    }

    /** A version the device refused itself: no retry until the hub asks for another. */
    static Failure refused(RefusedVersion refusal) {
      return new Failure(
          refusal.version(),
          refusal.digest(),
          refusal.deploymentId(),
          check(refusal.check()),
          refusal.reason(),
          false,
          1,
          Instant.MAX);
    }

    /** The check a stored refusal names; one this agent does not know reads as the load's. */
    private static Check check(String name) {
      for (Check check : Check.values()) {
        if (check.name().equals(name)) {
          return check;
        }
      }
      return Check.LOAD;
    }

    static Failure first(
        Activation.Failed failed, String digest, Long deploymentId, Instant now, Duration wait) {
      return new Failure(
          failed.version(),
          digest,
          deploymentId,
          failed.check(),
          failed.error(),
          failed.retryable(),
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

    /**
     * Another failure of the same target: the wait doubles ({@link #retryBackoff}), up to {@link
     * #MAX_MODEL_RETRY}, or {@link #MAX_TRANSIENT_RETRY} when the hub or the link failed.
     */
    Failure again(Activation.Failed failed, Instant now) {
      Duration wait = retryBackoff(failed.retryable()).delay(attempts + 1);
      return new Failure(
          version,
          digest,
          deploymentId,
          failed.check(),
          failed.error(),
          failed.retryable(),
          attempts + 1,
          now.plus(wait));
    }
  }
}
