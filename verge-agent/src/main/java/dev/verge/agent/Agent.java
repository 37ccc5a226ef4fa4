package dev.verge.agent;

import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.forward.ForwardConfig;
import dev.verge.agent.forward.PredictionForwarder;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.metrics.AgentMetrics;
import dev.verge.agent.pipeline.Pipelines;
import dev.verge.agent.push.PushAccessFile;
import dev.verge.agent.push.PushMode;
import dev.verge.agent.push.PushSubscription;
import dev.verge.agent.serving.Door;
import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.serving.ModelRepository;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.Identity;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.sync.HubClient;
import dev.verge.agent.sync.HubException;
import dev.verge.agent.sync.HubRefusedException;
import dev.verge.agent.sync.InstallObserver;
import dev.verge.agent.sync.SyncLoop;
import dev.verge.agent.sync.SyncState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.signing.KeyFormatException;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.InferenceEngine;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running device agent, and the composition root that wires it. {@link #start} opens the store,
 * enrolls when needed, serves every model that was active from its kept bundle (no hub needed),
 * then starts the local inference API, the sync loop and the prediction forwarder (or, asleep
 * between pipeline cycles, the {@link LinkPass} that does their work after each cycle). {@link
 * #close} stops them in reverse order. The engine belongs to the caller, who closes it after the
 * agent.
 */
public final class Agent implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Agent.class.getName());
  private static final java.time.Duration FLUSH_LIMIT = java.time.Duration.ofSeconds(30);

  private final AgentConfig config;
  private final String deviceId;
  private final PredictionCapture capture;
  private final SyncLoop sync;
  private final PredictionForwarder forwarder;
  private final InferenceServer server;
  private final Door grpc;
  private final AtomicReference<Pipelines> pipelines;
  private final Deque<AutoCloseable> resources;
  private boolean closed;

  private Agent(
      AgentConfig config,
      String deviceId,
      PredictionCapture capture,
      SyncLoop sync,
      PredictionForwarder forwarder,
      InferenceServer server,
      Door grpc,
      AtomicReference<Pipelines> pipelines,
      Deque<AutoCloseable> resources) {
    this.config = config;
    this.deviceId = deviceId;
    this.capture = capture;
    this.sync = sync;
    this.forwarder = forwarder;
    this.server = server;
    this.grpc = grpc;
    this.pipelines = pipelines;
    this.resources = resources;
  }

  /**
   * Starts an agent.
   *
   * @throws InvalidConfigException naming a bad setting
   * @throws EnrollmentException when the device has no identity and cannot get one
   * @throws dev.verge.agent.store.StoreException when the local store cannot be opened
   */
  public static Agent start(AgentConfig config, InferenceEngine engine) {
    return start(config, engine, Clock.systemUTC());
  }

  /**
   * Starts an agent that reads time from {@code clock}: maintenance windows, idle time, back-off
   * and activation times follow it, so tests and simulations can drive hours in milliseconds.
   */
  public static Agent start(AgentConfig config, InferenceEngine engine, Clock clock) {
    return start(config, engine, clock, InstallObserver.NONE);
  }

  /** As above, telling {@code observer} of each install step journaled: tests stop it there. */
  static Agent start(
      AgentConfig config, InferenceEngine engine, Clock clock, InstallObserver observer) {
    return start(config, engine, clock, observer, LinkPass.Observer.NONE);
  }

  /** As above, telling {@code passes} of each link pass when asleep between cycles (tests). */
  static Agent start(
      AgentConfig config,
      InferenceEngine engine,
      Clock clock,
      InstallObserver observer,
      LinkPass.Observer passes) {
    config.validate();
    boolean asleep = config.pipelines().sleepBetweenCycles();
    TrustStore trust = trust(config);
    Path dataDir = DataDir.prepare(config.dataDir());
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      AgentMetrics metrics = new AgentMetrics();
      resources.push(metrics);
      AgentStore store =
          SqliteAgentStore.open(
              dataDir.resolve(DataDir.STORE_FILE), config.maxStoreBytes(), metrics);
      resources.push(store);
      // Closed after the server (no more records), before the store: it writes what is queued.
      // Asleep between cycles, the idle writer waits untimed; each link pass drains it.
      PredictionCapture capture = PredictionCapture.start(store, config.capture(), metrics, asleep);
      resources.push(capture);
      HealthCounters health = new HealthCounters(clock, store.tallies());
      // Closed after the server and the loops (the deque closes in reverse), before the store.
      resources.push(() -> store.saveTallies(health.tallies()));
      ModelRegistry registry = new ModelRegistry();
      resources.push(registry);
      // The port is taken before enrolling: an agent that cannot serve must not spend its
      // one-time token and leave a device on the hub that never reports.
      AtomicReference<SyncLoop> syncing = new AtomicReference<>();
      AtomicReference<String> enrolledAs = new AtomicReference<>();
      AtomicReference<Pipelines> piping = new AtomicReference<>();
      InetSocketAddress address = new InetSocketAddress(config.bindAddress(), config.port());
      InferenceServer server;
      try {
        server =
            InferenceServer.start(
                address,
                registry,
                capture,
                () -> {
                  SyncLoop loop = syncing.get();
                  return loop == null ? Optional.of("the agent is starting") : loop.notReady();
                },
                () -> status(enrolledAs.get(), syncing.get(), capture, piping.get()),
                InferenceServer.Options.defaults().withServing(config.servingLimits()),
                metrics,
                metrics.page(config.metricsToken(), isLoopback(config.bindAddress())),
                health);
      } catch (UncheckedIOException e) {
        throw new InvalidConfigException(
            e.getMessage() + " (choose another --port, or --bind address)", e);
      }
      resources.push(server);
      Door grpc = openGrpc(config, server.local(), server.repositoryView());
      if (grpc != null) {
        resources.push(grpc);
      }
      HubClient anonymous = new HubClient(config.hubUrl());
      resources.push(anonymous);
      metrics.watch(
          store,
          capture,
          () -> {
            SyncLoop loop = syncing.get();
            return loop == null ? SyncState.STARTING : loop.state();
          },
          anonymous::lastContact);
      Identity identity = store.identity().orElseGet(() -> enroll(config, anonymous, store));
      HubClient hub = anonymous.as(identity);
      String deviceId = identity.deviceId();
      enrolledAs.set(deviceId);

      SyncLoop sync =
          new SyncLoop(
              hub,
              engine,
              trust,
              registry,
              store,
              dataDir.resolve(DataDir.BUNDLES),
              health,
              metrics,
              new SyncLoop.Settings(
                  config.pollInterval(),
                  // No labels configured keeps the hub's: a restart without them must not undeploy.
                  config.labels().isEmpty() ? null : config.labels(),
                  config.timeZone(),
                  clock,
                  config.downloads(),
                  HardwareProbe.probe(dataDir, engine.accelerators())),
              config.updates(),
              observer);
      sync.restore();
      server.repository(sync.repository());
      syncing.set(sync);
      resources.push(sync);
      store.keepNewestWhenFull(config.forward().mode() == ForwardConfig.Mode.METERED);
      PredictionForwarder forwarder =
          new PredictionForwarder(
              store,
              hub,
              deviceId,
              config.forwardBatchSize(),
              config.forwardInterval(),
              metrics,
              config.forward());
      resources.push(forwarder);
      Agent agent =
          new Agent(config, deviceId, capture, sync, forwarder, server, grpc, piping, resources);
      LinkPass link = null;
      if (asleep) {
        // No loop runs on its own timer: the link pass, after each cycle, does their work.
        link =
            new LinkPass(
                List.of(
                    new LinkPass.Step(
                        "sync",
                        () -> {
                          capture.drain(FLUSH_LIMIT);
                          return sync.pass() ? null : "the hub did not answer the poll";
                        }),
                    new LinkPass.Step("predictions", () -> forward(capture, forwarder)),
                    new LinkPass.Step(
                        "events",
                        () -> {
                          Pipelines running = piping.get();
                          if (running != null) {
                            running.flushEvents();
                          }
                          return null;
                        })),
                config.pipelines().linkTimeout(),
                passes);
        JvmIdle.quiet();
      } else {
        if (config.push() == PushMode.AUTO) {
          // Closed before the sync loop (the deque closes in reverse): its offline presence goes
          // while the loop still runs; the loop long-polls until the subscription connects.
          PushSubscription push =
              new PushSubscription(
                  deviceId,
                  hub::pushAccess,
                  new PushAccessFile(dataDir.resolve(PushAccessFile.NAME)),
                  sync::wake,
                  PushSubscription.Settings.defaults());
          resources.push(push);
          sync.listen(push);
          push.start();
        }
        sync.start();
        forwarder.start();
      }
      LinkPass linked = link;
      // Last: a pipeline's first cycle may run at once, on the models restored above.
      Pipelines pipelines =
          Pipelines.start(
              config.pipelines().specs(),
              dataDir,
              new Pipelines.Wiring(
                  server.local(),
                  capture::drain,
                  batch -> hub.sendEvents(batch),
                  config.forwardInterval(),
                  clock,
                  config.timeZone(),
                  metrics,
                  isLoopback(config.bindAddress()),
                  deviceId,
                  linked == null ? null : linked::request,
                  linked == null));
      piping.set(pipelines);
      server.pipelineReadings(pipelines.pushHandler());
      resources.push(pipelines);
      // Closed first: no push reaches a pipeline store being closed.
      resources.push(() -> server.pipelineReadings(null));
      if (linked != null) {
        // Closed before the pipelines and the loops whose work it does.
        resources.push(linked);
        linked.start();
        linked.request(); // the first pass, at start: a cron pipeline's first cycle may be far
        LOG.log(
            System.Logger.Level.INFO,
            "asleep between pipeline cycles: one link pass of at most {0} s after each cycle",
            config.pipelines().linkTimeout().toSeconds());
      }
      LOG.log(
          System.Logger.Level.INFO,
          "agent {0} serving on {1}{2}, hub {3}",
          deviceId,
          agent.inferenceUrl(),
          grpc == null ? "" : " and gRPC port " + grpc.port(),
          config.hubUrl());
      if (config.forward().mode() == ForwardConfig.Mode.METERED) {
        LOG.log(
            System.Logger.Level.INFO,
            "metered link: predictions stay on this device (the newest kept when the store is"
                + " full); the hub gets reports and events only");
      }
      return agent;
    } catch (RuntimeException e) {
      closeAll(resources, e);
      throw e;
    }
  }

  /** The link pass's forwarding step: why it stopped, null when every prediction is sent. */
  private static String forward(PredictionCapture capture, PredictionForwarder forwarder) {
    capture.drain(FLUSH_LIMIT);
    return switch (forwarder.flush()) {
      case dev.verge.agent.forward.ForwardOutcome.Drained d -> null;
      case dev.verge.agent.forward.ForwardOutcome.Held h -> null;
      case dev.verge.agent.forward.ForwardOutcome.Stopped stopped -> stopped.error();
    };
  }

  /** The gRPC door when configured, from the verge-grpc module; null when off. */
  private static Door openGrpc(AgentConfig config, LocalModels models, ModelRepository repository) {
    if (config.grpcPort() == AgentConfig.GRPC_OFF) {
      return null;
    }
    Door.Factory factory =
        ServiceLoader.load(Door.Factory.class, Agent.class.getClassLoader()).stream()
            .map(ServiceLoader.Provider::get)
            .filter(f -> f.protocol().equals("grpc"))
            .findFirst()
            .orElseThrow(
                () ->
                    new InvalidConfigException(
                        "a gRPC port is set, but the verge-grpc module is not on the class path:"
                            + " add it, or leave --grpc-port off"));
    try {
      return factory.open(
          new InetSocketAddress(config.bindAddress(), config.grpcPort()), models, repository);
    } catch (UncheckedIOException e) {
      throw new InvalidConfigException(
          e.getMessage() + " (choose another --grpc-port, or --bind address)", e);
    }
  }

  private static TrustStore trust(AgentConfig config) {
    TrustStore trust;
    try {
      trust = TrustStore.load(config.trustedKeys());
    } catch (KeyFormatException | UncheckedIOException e) {
      throw new InvalidConfigException("cannot read trusted keys: " + e.getMessage(), e);
    }
    if (trust.isEmpty()) {
      throw new InvalidConfigException(
          "no trusted publisher keys in " + config.trustedKeys() + ": pass --trust FILE");
    }
    return trust;
  }

  private static Identity enroll(AgentConfig config, HubClient hub, AgentStore store) {
    if (config.enrollmentToken() == null) {
      throw new EnrollmentException(
          "device is not enrolled: pass --enroll-token-file FILE with a one-time enrollment token"
              + " from the hub");
    }
    EnrollRequest request =
        new EnrollRequest(config.deviceName(), config.labels(), AgentVersion.CURRENT, platform());
    EnrollResponse response;
    try {
      response = hub.enroll(config.enrollmentToken(), request);
    } catch (HubRefusedException e) {
      throw new EnrollmentException(
          "the hub refused to enroll this device (" + e.getMessage() + ")", e);
    } catch (HubException e) {
      throw new EnrollmentException("cannot enroll this device: " + e.getMessage(), e);
    }
    if (response.deviceId() == null || !response.deviceId().matches("[A-Za-z0-9._-]{1,128}")) {
      throw new EnrollmentException(
          "the hub answered enrollment with device id '" + response.deviceId() + "'");
    }
    if (response.credential() == null || response.credential().isBlank()) {
      throw new EnrollmentException("the hub answered enrollment without a credential");
    }
    Identity identity = new Identity(response.deviceId(), response.credential());
    store.saveIdentity(identity);
    LOG.log(
        System.Logger.Level.INFO,
        "enrolled as device {0} ({1})",
        identity.deviceId(),
        config.deviceName());
    return identity;
  }

  private static boolean isLoopback(String bindAddress) {
    try {
      return InetAddress.getByName(bindAddress).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new InvalidConfigException("bind address '" + bindAddress + "' cannot be resolved", e);
    }
  }

  private static String platform() {
    return System.getProperty("os.name", "unknown").toLowerCase(Locale.ROOT).replace(' ', '-')
        + "-"
        + System.getProperty("os.arch", "unknown");
  }

  private static AgentStatus status(
      String deviceId, SyncLoop sync, PredictionCapture capture, Pipelines pipelines) {
    Counters counters = capture.counters();
    return new AgentStatus(
        deviceId,
        sync == null ? List.of() : sync.reports(),
        counters.served(),
        counters.failed(),
        counters.pending(),
        pipelines == null ? List.of() : pipelines.status(),
        pipelines == null ? 0 : pipelines.pendingEvents());
  }

  /** The port the local inference API listens on (useful with port 0). */
  public int port() {
    return server.port();
  }

  /** The port of the gRPC API; empty when it is off. */
  public OptionalInt grpcPort() {
    return grpc == null ? OptionalInt.empty() : OptionalInt.of(grpc.port());
  }

  /**
   * The in-process API: this agent's models for the application that runs it, without HTTP, with
   * the same hot-swap guarantee, recording and statistics as the network doors.
   */
  public LocalModels local() {
    return server.local();
  }

  /** The root URL of the local inference API, for example {@code http://127.0.0.1:7080}. */
  public URI inferenceUrl() {
    String host = config.bindAddress();
    try {
      InetAddress address = InetAddress.getByName(host);
      if (address.isAnyLocalAddress()) {
        host = address instanceof java.net.Inet6Address ? "[::1]" : "127.0.0.1";
      } else if (address instanceof java.net.Inet6Address) {
        host = "[" + address.getHostAddress() + "]";
      }
    } catch (UnknownHostException e) {
      // validate() resolved it at start; keep the name as configured.
    }
    return URI.create("http://" + host + ":" + port());
  }

  public String deviceId() {
    return deviceId;
  }

  public AgentStatus status() {
    return status(deviceId, sync, capture, pipelines.get());
  }

  /**
   * Runs one sync cycle now: poll, install, retry failed models, report (the counters written by
   * capture first, so that the report has every request answered so far).
   */
  public void syncNow() {
    capture.drain(FLUSH_LIMIT);
    sync.syncNow();
  }

  /**
   * Writes every prediction captured so far (waiting up to 30 s), then forwards every pending one,
   * stopping at the first batch the hub fails.
   */
  public void flushPredictions() {
    if (!capture.drain(FLUSH_LIMIT)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} captured predictions were not written within {1} s; they are forwarded later",
          capture.queued(),
          FLUSH_LIMIT.toSeconds());
    }
    forwarder.flush();
  }

  /**
   * Writes every prediction captured so far, forwards them, then every event the pipelines raised,
   * stopping at the first batch the hub fails.
   */
  public void flushAll() {
    flushPredictions();
    Pipelines running = pipelines.get();
    if (running != null) {
      running.flushEvents();
    }
  }

  /** Stops the loops and the server, releases every model and closes the store. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closeAll(resources, null);
    LOG.log(System.Logger.Level.INFO, "agent {0} stopped", deviceId);
  }

  private static void closeAll(Deque<AutoCloseable> resources, RuntimeException failure) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        if (failure != null) {
          failure.addSuppressed(e);
        } else {
          LOG.log(System.Logger.Level.WARNING, "cannot close " + resource + ": " + e, e);
        }
      }
    }
  }
}
