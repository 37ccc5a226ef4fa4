package dev.verge.cli.config;

import dev.verge.hub.HubConfig;
import dev.verge.hub.push.PushConfig;
import dev.verge.hub.store.PostgresServer;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Every setting of {@code verge hub}; the defaults come from {@link HubConfig}. */
public final class HubSettings {
  static final String SECTION = "hub";
  private static final long MIB = 1024 * 1024;

  public static final Setting<Path> DATA =
      Setting.of(
          SECTION,
          "data",
          Parsers.path(),
          "a folder path",
          HubSettings::defaultDataDir,
          "~/.verge/hub");

  public static final Setting<Path> BUNDLES =
      Setting.of(
          SECTION,
          "bundles",
          Parsers.path(),
          "a folder path (hubs sharing a PostgreSQL store share it too)",
          () -> null,
          "<data>/bundles");

  public static final Setting<Duration> ROLLOUT_LEASE =
      Setting.of(
          SECTION,
          "rollout-lease",
          Parsers.duration(Duration.ofSeconds(2), Duration.ofHours(1)),
          "2s to 1h (how long a stopped hub's rollouts wait before another hub takes them)",
          () -> HubConfig.DEFAULT_ROLLOUT_LEASE,
          "30s");

  public static final Setting<Duration> DEVICE_OFFLINE_AFTER =
      Setting.of(
          SECTION,
          "device-offline-after",
          Parsers.duration(Duration.ofSeconds(1), Duration.ofDays(7)),
          "1s to 7d (a device whose last contact is older is offline: the agent reports every"
              + " 30 s)",
          () -> HubConfig.DEFAULT_DEVICE_OFFLINE_AFTER,
          "90s");
  public static final Setting<Duration> PREDICTION_RETENTION =
      Setting.of(
          SECTION,
          "prediction-retention",
          Parsers.retention(),
          "days (30d) or hours (36h), or none to keep every prediction",
          () -> HubConfig.DEFAULT_PREDICTION_RETENTION,
          "30d");

  public static final Setting<String> BIND =
      Setting.of(
          SECTION,
          "bind",
          Parsers.address(),
          "an IP address or host name of this machine (0.0.0.0 for all)",
          () -> HubConfig.DEFAULT_BIND_ADDRESS,
          HubConfig.DEFAULT_BIND_ADDRESS);

  public static final Setting<Integer> PORT =
      Setting.of(
          SECTION,
          "port",
          Parsers.port(),
          "0 to 65535 (0 picks a free port)",
          () -> HubConfig.DEFAULT_PORT,
          String.valueOf(HubConfig.DEFAULT_PORT));

  public static final Setting<List<Path>> TRUST =
      Setting.of(
              SECTION,
              "trust",
              Parsers.paths(),
              "publisher key files (.pub) or folders of them",
              List::<Path>of,
              null)
          .shaped(Setting.Shape.LIST);

  public static final Setting<Long> MAX_BUNDLE_MB =
      Setting.of(
          SECTION,
          "max-bundle-mb",
          Parsers.wholeNumber(1, 1024 * 1024),
          "1 to 1048576 (MiB)",
          () -> HubConfig.DEFAULT_MAX_BUNDLE_BYTES / MIB,
          String.valueOf(HubConfig.DEFAULT_MAX_BUNDLE_BYTES / MIB));

  public static final Setting<Boolean> METRICS_OPEN =
      Setting.of(
          SECTION,
          "metrics-open",
          Parsers.bool(),
          "true or false (true only with a loopback bind address)",
          () -> false,
          "false");

  /** Where the tables live: {@code sqlite} ({@code hub.db} in the data folder) or a server. */
  public static final Setting<String> STORE =
      Setting.of(
          SECTION,
          "store",
          Parsers.store(),
          "sqlite, or postgresql://user@host[:port]/database",
          () -> "sqlite",
          "sqlite");

  public static final Setting<Path> STORE_PASSWORD_FILE =
      Setting.of(
          SECTION,
          "store-password-file",
          Parsers.path(),
          "a file holding the PostgreSQL password (read at start, at most 4 KiB)",
          () -> null,
          null);

  public static final Setting<Integer> STORE_POOL =
      Setting.of(
          SECTION,
          "store-pool",
          Parsers.integer(1, 1000),
          "1 to 1000 (connections to PostgreSQL this hub holds open)",
          () -> PostgresServer.DEFAULT_POOL_SIZE,
          String.valueOf(PostgresServer.DEFAULT_POOL_SIZE));

  /** The MQTT broker the hub pushes desired-state changes through; none: devices long-poll. */
  public static final Setting<URI> PUSH_BROKER =
      Setting.of(
          SECTION,
          "push-broker",
          Parsers.mqttUrl(),
          "tcp://host:port or ssl://host:port, as the hub reaches it (none: devices long-poll)",
          () -> null,
          null);

  public static final Setting<URI> PUSH_DEVICE_BROKER =
      Setting.of(
          SECTION,
          "push-device-broker",
          Parsers.mqttUrl(),
          "tcp://host:port or ssl://host:port, the push broker as devices reach it",
          () -> null,
          "push-broker");

  public static final Setting<String> PUSH_USERNAME =
      Setting.of(
          SECTION,
          "push-username",
          Parsers.text(),
          "the hub's own user on the push broker (not starting with dev-)",
          () -> null,
          PushConfig.DEFAULT_USERNAME);

  public static final Setting<Path> PUSH_PASSWORD_FILE =
      Setting.of(
          SECTION,
          "push-password-file",
          Parsers.path(),
          "a file holding the hub's password on the push broker (made, owner-only, if missing;"
              + " hubs sharing a store share it)",
          () -> null,
          "<data>/" + PushConfig.PASSWORD_FILE_NAME);

  public static final Setting<Path> PUSH_BROKER_FILES =
      Setting.of(
          SECTION,
          "push-broker-files",
          Parsers.path(),
          "the folder the hub writes the broker's passwords and acl files into",
          () -> null,
          "<data>/mosquitto");

  public static final Setting<String> PUSH_RELOAD_COMMAND =
      Setting.of(
          SECTION,
          "push-reload-command",
          Parsers.text(),
          "a command run after each rewrite of the broker files, split on spaces, no shell"
              + " (systemctl reload mosquitto)",
          () -> null,
          null);

  public static final Setting<Path> PUSH_CA_FILE =
      Setting.of(
          SECTION,
          "push-ca-file",
          Parsers.path(),
          "PEM certificates to trust for an ssl:// push-broker instead of the JDK's",
          () -> null,
          null);

  /** What only means something with a push broker. */
  private static final List<Setting<?>> PUSH_DETAILS =
      List.of(
          PUSH_DEVICE_BROKER,
          PUSH_USERNAME,
          PUSH_PASSWORD_FILE,
          PUSH_BROKER_FILES,
          PUSH_RELOAD_COMMAND,
          PUSH_CA_FILE);

  public static final List<Setting<?>> ALL =
      List.of(
          DATA,
          STORE,
          STORE_PASSWORD_FILE,
          STORE_POOL,
          BUNDLES,
          ROLLOUT_LEASE,
          DEVICE_OFFLINE_AFTER,
          PREDICTION_RETENTION,
          BIND,
          PORT,
          TRUST,
          MAX_BUNDLE_MB,
          METRICS_OPEN,
          PUSH_BROKER,
          PUSH_DEVICE_BROKER,
          PUSH_USERNAME,
          PUSH_PASSWORD_FILE,
          PUSH_BROKER_FILES,
          PUSH_RELOAD_COMMAND,
          PUSH_CA_FILE,
          LogSettings.FORMAT,
          LogSettings.LEVEL);

  private HubSettings() {}

  /** Where a hub keeps its data unless told otherwise, and where the CLI finds its token. */
  public static Path defaultDataDir() {
    return Path.of(System.getProperty("user.home"), ".verge", "hub");
  }

  /**
   * The hub's configuration from resolved settings.
   *
   * @throws ConfigException when the data folder is a file, a trusted key is missing or bad, or
   *     metrics are open on an address beyond loopback
   */
  public static HubConfig toConfig(Settings settings) {
    if (settings.get(METRICS_OPEN) && !isLoopback(settings.get(BIND))) {
      throw settings.invalid(
          METRICS_OPEN,
          "serves /metrics without the admin token, which is allowed only on a loopback"
              + " address, but bind is "
              + settings.get(BIND)
              + "; bind to 127.0.0.1 or give scrapers the admin token");
    }
    OnDisk.folder(settings, DATA);
    OnDisk.folder(settings, BUNDLES);
    OnDisk.trustedKeys(settings, TRUST);
    List<Path> trust = settings.get(TRUST);
    return HubConfig.defaults(settings.get(DATA))
        .withBindAddress(settings.get(BIND))
        .withPort(settings.get(PORT))
        .withMaxBundleBytes(settings.get(MAX_BUNDLE_MB) * MIB)
        .withTrustedKeys(trust)
        .withMetricsOpen(settings.get(METRICS_OPEN))
        .withPostgres(postgres(settings))
        .withBundlesDir(settings.get(BUNDLES))
        .withRolloutLease(settings.get(ROLLOUT_LEASE))
        .withDeviceOfflineAfter(settings.get(DEVICE_OFFLINE_AFTER))
        .withPredictionRetention(settings.get(PREDICTION_RETENTION))
        .withPush(push(settings));
  }

  /** Desired-state push through the push-broker setting, or null when it names none. */
  private static PushConfig push(Settings settings) {
    URI broker = settings.get(PUSH_BROKER);
    if (broker == null) {
      for (Setting<?> detail : PUSH_DETAILS) {
        if (settings.get(detail) != null) {
          throw settings.invalid(detail, "is for desired-state push, but push-broker is not set");
        }
      }
      return null;
    }
    OnDisk.folder(settings, PUSH_BROKER_FILES);
    Path caFile = settings.get(PUSH_CA_FILE);
    if (caFile != null && !Files.isReadable(caFile)) {
      throw settings.invalid(PUSH_CA_FILE, caFile + " cannot be read");
    }
    String reload = settings.get(PUSH_RELOAD_COMMAND);
    try {
      return new PushConfig(
          broker,
          settings.get(PUSH_DEVICE_BROKER),
          settings.get(PUSH_USERNAME),
          settings.get(PUSH_PASSWORD_FILE),
          settings.get(PUSH_BROKER_FILES),
          reload == null ? List.of() : List.of(reload.strip().split("\\s+")),
          caFile,
          null);
    } catch (IllegalArgumentException e) {
      // PushConfig's rules name the setting they refuse first.
      Setting<?> refused =
          PUSH_DETAILS.stream()
              .filter(detail -> e.getMessage().startsWith(detail.key() + " "))
              .findFirst()
              .orElse(PUSH_BROKER);
      throw settings.invalid(refused, e.getMessage());
    }
  }

  /** The PostgreSQL server the store setting names, or null for the embedded SQLite store. */
  private static PostgresServer postgres(Settings settings) {
    String store = settings.get(STORE);
    if (!PostgresServer.isPostgresUrl(store)) {
      if (settings.get(STORE_PASSWORD_FILE) != null) {
        throw settings.invalid(
            STORE_PASSWORD_FILE, "is for a PostgreSQL store, but store is " + store);
      }
      return null;
    }
    String password = OnDisk.secret(settings, STORE_PASSWORD_FILE);
    return PostgresServer.parse(store, password, settings.get(STORE_POOL));
  }

  private static boolean isLoopback(String address) {
    try {
      return InetAddress.getByName(address).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
