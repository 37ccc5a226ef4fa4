package dev.verge.hub;

import dev.verge.core.signing.TrustStore;
import dev.verge.http.HttpEdge;
import dev.verge.hub.auth.AdminToken;
import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.auth.SqlSettingsStore;
import dev.verge.hub.device.DesiredChanges;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.device.Devices;
import dev.verge.hub.device.Enrollment;
import dev.verge.hub.device.LastContacts;
import dev.verge.hub.device.SqlDeviceStore;
import dev.verge.hub.event.DeviceEvents;
import dev.verge.hub.event.SqlEventStore;
import dev.verge.hub.http.HubServer;
import dev.verge.hub.http.HubServices;
import dev.verge.hub.metrics.HubMetrics;
import dev.verge.hub.model.FolderBundleStore;
import dev.verge.hub.model.ModelRegistry;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.push.Push;
import dev.verge.hub.push.PushConfig;
import dev.verge.hub.push.SqlPushCredentialStore;
import dev.verge.hub.rollout.Fleet;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.PostgresChangeListener;
import dev.verge.hub.telemetry.PredictionMaintenance;
import dev.verge.hub.telemetry.SqlTelemetryStore;
import dev.verge.hub.telemetry.Telemetry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A running hub: the composition root that opens the store, wires the features and serves the HTTP
 * API. Start one with {@link #start}; {@link #close} stops it.
 */
public final class Hub implements AutoCloseable {
  public static final String DATABASE_FILE = "hub.db";
  public static final String BUNDLES_DIR = "bundles";
  private static final System.Logger LOG = System.getLogger(Hub.class.getName());

  private final HubConfig config;
  private final Database store;
  private final LastContacts contacts;
  private final AdminToken adminToken;
  private final DesiredStates desiredStates;
  private final Rollouts rollouts;
  private final HubServer server;
  private final HubMetrics metrics;
  private final PostgresChangeListener peers;
  private final PredictionMaintenance upkeep;
  private final Push push;
  private final DataLock lock;
  private final int port;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Hub(
      HubConfig config,
      Database store,
      LastContacts contacts,
      AdminToken adminToken,
      DesiredStates desiredStates,
      Rollouts rollouts,
      HubServer server,
      HubMetrics metrics,
      PostgresChangeListener peers,
      PredictionMaintenance upkeep,
      Push push,
      DataLock lock) {
    this.config = config;
    this.store = store;
    this.contacts = contacts;
    this.adminToken = adminToken;
    this.desiredStates = desiredStates;
    this.rollouts = rollouts;
    this.server = server;
    this.metrics = metrics;
    this.peers = peers;
    this.upkeep = upkeep;
    this.push = push;
    this.lock = lock;
    this.port = server.address().getPort();
  }

  /**
   * Starts a hub.
   *
   * @throws IllegalArgumentException naming a bad configuration value
   */
  public static Hub start(HubConfig config) {
    return start(config, Clock.systemUTC());
  }

  static Hub start(HubConfig config, Clock clock) {
    return start(config, clock, HttpEdge.Config.DEFAULT_IDLE_TIMEOUT);
  }

  /** With a shorter idle time-out, for tests of clients that stop sending. */
  static Hub start(HubConfig config, Clock clock, Duration idleTimeout) {
    InetAddress bind = resolve(config.bindAddress());
    if (config.metricsOpen() && !bind.isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "metricsOpen (--metrics-open): /metrics may answer without the admin token only on a loopback address,"
              + " but bindAddress is '"
              + config.bindAddress()
              + "'; bind to 127.0.0.1 or give scrapers the admin token");
    }
    TrustStore trusted = loadTrustedKeys(config);
    Path dataDir = config.dataDir().toAbsolutePath();
    Path bundles = config.bundles().toAbsolutePath();
    try {
      Files.createDirectories(dataDir);
      Files.createDirectories(bundles);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the data folder " + dataDir + " or the bundles folder " + bundles, e);
    }
    DataLock lock = DataLock.take(dataDir);
    Database store;
    try {
      store =
          config.postgres() == null
              ? Database.openSqlite(dataDir.resolve(DATABASE_FILE))
              : Database.openPostgres(config.postgres());
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
    LastContacts contacts = null;
    PostgresChangeListener peers = null;
    PredictionMaintenance upkeep = null;
    Push push = null;
    try {
      // Every feature store shares the one database (and its single writer).
      var deviceStore = new SqlDeviceStore(store);
      var telemetryStore = new SqlTelemetryStore(store);
      AdminToken admin = AdminToken.initialize(new SqlSettingsStore(store), dataDir);
      // Before serving: the day partitions ahead exist before the first batch.
      upkeep =
          PredictionMaintenance.start(
              telemetryStore, clock, config.predictionRetention(), PredictionMaintenance.INTERVAL);
      contacts = LastContacts.start(deviceStore, LastContacts.FLUSH_INTERVAL);
      Devices devices =
          new Devices(deviceStore, telemetryStore, contacts, clock, config.deviceOfflineAfter());
      var modelStore = new SqlModelStore(store);
      DesiredChanges changes = new DesiredChanges();
      if (config.postgres() != null) {
        // Other hubs change desired states too: remember none until their changes are heard.
        changes.trusted(false);
        peers = PostgresChangeListener.start(config.postgres(), peerReceiver(changes));
      }
      if (config.push() != null) {
        push =
            Push.start(
                resolved(config.push(), dataDir),
                new SqlPushCredentialStore(store),
                contacts,
                clock,
                config.deviceOfflineAfter());
      }
      Push pushed = push;
      // A change made on this hub: its polls wake, and the device is told over MQTT if pushed to.
      Consumer<String> desiredChanged =
          pushed == null
              ? changes::signal
              : device -> {
                changes.signal(device);
                pushed.changed(device);
              };
      Rollouts rollouts =
          Rollouts.on(
              store,
              Fleet.of(deviceStore, modelStore),
              clock,
              rolloutConfig(config),
              desiredChanged);
      HubMetrics metrics = new HubMetrics(devices, rollouts, config.metricsOpen());
      metrics.predictionUpkeep(upkeep);
      if (push != null) {
        metrics.push(push);
      }
      ModelRegistry models =
          new ModelRegistry(
              modelStore,
              new FolderBundleStore(bundles),
              trusted,
              config.maxBundleBytes(),
              clock,
              metrics);
      models.removeStaleUploads();
      DesiredStates desired =
          DesiredStates.withSideBySide(deviceStore, rollouts::desiredState, changes);
      HubServices services =
          new HubServices(
              new Authenticator(deviceStore, contacts, admin, clock),
              models,
              new Enrollment(deviceStore, clock),
              devices,
              desired,
              rollouts,
              new Telemetry(telemetryStore, clock, metrics),
              metrics,
              new DeviceEvents(new SqlEventStore(store), clock),
              push);
      HubServer server =
          HubServer.start(
              new InetSocketAddress(bind, config.port()),
              services,
              idleTimeout,
              observed -> metrics.http().record(observed));
      Hub hub =
          new Hub(
              config, store, contacts, admin, desired, rollouts, server, metrics, peers, upkeep,
              push, lock);
      rollouts.engine().start();
      LOG.log(
          System.Logger.Level.INFO,
          "Verge hub listening on {0}, data in {1}, tables in {4} (admin token in {2},"
              + " owner-only), {3} configured publisher key(s)",
          hub.url(),
          dataDir,
          dataDir.resolve(AdminToken.FILE_NAME),
          String.valueOf(trusted.keys().size()),
          store.engine() == Database.Engine.SQLITE
              ? store.name()
              : "PostgreSQL at " + store.name());
      return hub;
    } catch (RuntimeException e) {
      if (push != null) {
        push.close();
      }
      if (upkeep != null) {
        upkeep.close();
      }
      if (peers != null) {
        peers.close();
      }
      if (contacts != null) {
        contacts.close();
      }
      store.close();
      lock.close();
      throw e;
    }
  }

  /** The other hubs' desired-state changes, as heard from PostgreSQL, into this hub's memory. */
  private static PostgresChangeListener.Receiver peerReceiver(DesiredChanges changes) {
    return new PostgresChangeListener.Receiver() {
      @Override
      public void device(String deviceId) {
        changes.signal(deviceId);
      }

      @Override
      public void everything() {
        changes.forgetAll();
      }

      @Override
      public void listening(boolean heard) {
        changes.trusted(heard);
      }
    };
  }

  /** {@code push} with its files in the data folder where none were named. */
  private static PushConfig resolved(PushConfig push, Path dataDir) {
    PushConfig resolved = push;
    if (resolved.passwordFile() == null) {
      resolved = resolved.withPasswordFile(dataDir.resolve(PushConfig.PASSWORD_FILE_NAME));
    }
    if (resolved.brokerFiles() == null) {
      resolved = resolved.withBrokerFiles(dataDir.resolve("mosquitto"), resolved.reloadCommand());
    }
    return resolved;
  }

  /** This hub's name in the rollout leases: unique per running hub, readable in the table. */
  private static Rollouts.Config rolloutConfig(HubConfig config) {
    String owner = "hub-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
    return new Rollouts.Config(owner, Duration.ofSeconds(1), config.rolloutLease());
  }

  /** Desired-state push, or null when this hub pushes nothing. */
  public Push push() {
    return push;
  }

  /** The rollouts, for tests that drive the engine. */
  Rollouts rollouts() {
    return rollouts;
  }

  private static InetAddress resolve(String bindAddress) {
    try {
      return InetAddress.getByName(bindAddress);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "bindAddress '" + bindAddress + "' is not a known host name or IP address", e);
    }
  }

  private static TrustStore loadTrustedKeys(HubConfig config) {
    for (Path path : config.trustedKeys()) {
      if (!Files.isReadable(path)) {
        throw new IllegalArgumentException(
            "trustedKeys: " + path + " does not exist or cannot be read");
      }
    }
    try {
      return TrustStore.load(config.trustedKeys());
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("trustedKeys: " + e.getMessage(), e);
    }
  }

  /** The port the hub listens on (the chosen one when the configured port was 0). */
  public int port() {
    return port;
  }

  /** The hub's base URL, e.g. {@code http://127.0.0.1:8420}; loopback if bound to all. */
  public URI url() {
    InetAddress address = server.address().getAddress();
    if (address.isAnyLocalAddress()) {
      address = InetAddress.getLoopbackAddress();
    }
    String host = address.getHostAddress();
    if (address instanceof Inet6Address) {
      int zone = host.indexOf('%');
      host = "[" + (zone < 0 ? host : host.substring(0, zone)) + "]";
    }
    return URI.create("http://" + host + ":" + port());
  }

  /** The admin token from {@code admin.token}, or null if that file was removed. */
  public String adminToken() {
    return adminToken.read();
  }

  public Path dataDir() {
    return config.dataDir().toAbsolutePath();
  }

  public HubConfig config() {
    return config;
  }

  /** Ends long polls, stops the server and closes the database. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    desiredStates.close();
    try {
      server.close();
    } finally {
      rollouts.close();
      upkeep.close();
      if (push != null) {
        push.close();
      }
      metrics.close();
      contacts.close(); // after the server, so that the last calls' contacts are written
      if (peers != null) {
        peers.close();
      }
      store.close();
      lock.close();
    }
    LOG.log(System.Logger.Level.INFO, "Verge hub on port {0} stopped", String.valueOf(port));
  }
}
