package dev.verge.cli;

import dev.verge.cli.config.ConfigFile;
import dev.verge.cli.config.Flags;
import dev.verge.cli.config.HubSettings;
import dev.verge.cli.config.LogSettings;
import dev.verge.cli.config.Settings;
import dev.verge.cli.logging.Logging;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code verge hub}: runs a hub until stopped. Every setting can also come from {@code VERGE_HUB_*}
 * variables and a {@code --config} file ({@link HubSettings} has them and their defaults); the
 * option fields only declare the flags, read with their origin through {@link Flags}.
 */
@Command(
    name = "hub",
    mixinStandardHelpOptions = true,
    defaultValueProvider = HubCommand.HelpDefaults.class,
    description = {
      "Run the hub: model registry, devices, deployments, telemetry.",
      "Settings come from flags, then VERGE_HUB_* variables, then the --config file, then the"
          + " defaults."
    })
final class HubCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      description = "Hub configuration file (YAML, a 'hub:' section).")
  Path config;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data folder: SQLite store, bundles, admin token (default ${DEFAULT-VALUE}).")
  String data;

  @Option(
      names = "--store",
      paramLabel = "sqlite|URL",
      description =
          "Where the tables live: sqlite (hub.db in the data folder) or"
              + " postgresql://user@host[:port]/database, which several hubs can share (default"
              + " ${DEFAULT-VALUE}).")
  String store;

  @Option(
      names = "--store-password-file",
      paramLabel = "FILE",
      description = "File holding the PostgreSQL password (instead of putting it in the URL).")
  String storePasswordFile;

  @Option(
      names = "--bundles",
      paramLabel = "DIR",
      description =
          "Folder for published bundles (default DIR/bundles); hubs on one PostgreSQL store share"
              + " it.")
  String bundles;

  @Option(
      names = "--rollout-lease",
      paramLabel = "DURATION",
      description =
          "How long a hub that stopped holds its rollouts before another hub sharing the store"
              + " takes them over (default ${DEFAULT-VALUE}).")
  String rolloutLease;

  @Option(
      names = "--device-offline-after",
      paramLabel = "DURATION",
      description =
          "A device whose last contact is older than this is offline (devices --status; default"
              + " ${DEFAULT-VALUE}, three of the agent's 30 s reports).")
  String deviceOfflineAfter;

  @Option(
      names = "--prediction-retention",
      paramLabel = "DAYS",
      description =
          "How long predictions are kept, by the time the device made them: 30d, 36h, or none"
              + " for ever (default ${DEFAULT-VALUE}).")
  String predictionRetention;

  @Option(
      names = "--store-pool",
      paramLabel = "N",
      description = "Connections to PostgreSQL this hub holds open (default ${DEFAULT-VALUE}).")
  String storePool;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      description = "Address to listen on (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      description = "Port (default ${DEFAULT-VALUE}; 0 picks a free one).")
  String port;

  @Option(
      names = "--trust",
      paramLabel = "KEY",
      description = "Publisher public key (.pub) whose bundles the hub accepts; repeatable.")
  List<String> trust;

  @Option(
      names = "--max-bundle-mb",
      paramLabel = "MIB",
      description = "Largest bundle upload accepted (default ${DEFAULT-VALUE}).")
  String maxBundleMb;

  @Option(
      names = "--metrics-open",
      paramLabel = "true|false",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Serve /metrics without the admin token; only with a loopback --bind (default"
              + " ${DEFAULT-VALUE}).")
  String metricsOpen;

  @Option(
      names = "--push-broker",
      paramLabel = "URL",
      description =
          "MQTT broker (tcp://host:port, ssl://host:port) the hub pushes desired-state changes"
              + " through, so devices need not long-poll (default: none).")
  String pushBroker;

  @Option(
      names = "--push-device-broker",
      paramLabel = "URL",
      description = "The push broker as devices reach it, when not as the hub does.")
  String pushDeviceBroker;

  @Option(
      names = "--push-username",
      paramLabel = "NAME",
      description = "The hub's own user on the push broker (default ${DEFAULT-VALUE}).")
  String pushUsername;

  @Option(
      names = "--push-password-file",
      paramLabel = "FILE",
      description =
          "The hub's password on the push broker; made (owner-only) if missing (default"
              + " ${DEFAULT-VALUE}).")
  String pushPasswordFile;

  @Option(
      names = "--push-broker-files",
      paramLabel = "DIR",
      description =
          "Folder the hub writes the broker's passwords and acl files into, for mosquitto's"
              + " password_file and acl_file (default ${DEFAULT-VALUE}).")
  String pushBrokerFiles;

  @Option(
      names = "--push-reload-command",
      paramLabel = "COMMAND",
      description =
          "Run after each rewrite of the broker files so the broker rereads them, e.g."
              + " 'systemctl reload mosquitto' (split on spaces, no shell).")
  String pushReloadCommand;

  @Option(
      names = "--push-ca-file",
      paramLabel = "FILE",
      description = "PEM certificates to trust for an ssl:// push broker instead of the JDK's.")
  String pushCaFile;

  static Path defaultDataDir() {
    return HubSettings.defaultDataDir();
  }

  /** The effective settings: flags, then environment, then the file, then the defaults. */
  Settings settings() {
    ConfigFile file = config == null ? null : ConfigFile.read(config);
    return Settings.resolve("hub", HubSettings.ALL, file, System.getenv(), Flags.given(spec));
  }

  @Override
  public void run() {
    Settings settings = settings();
    Logging.configure(settings.get(LogSettings.FORMAT), settings.get(LogSettings.LEVEL));
    HubConfig hubConfig = HubSettings.toConfig(settings);
    CountDownLatch stopped = new CountDownLatch(1);
    // Hub.start logs where it listens, its data folder and where the admin token is.
    try (Hub hub = Hub.start(hubConfig)) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    hub.close();
                    stopped.countDown();
                  }));
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code --help} shows the defaults {@link HubSettings} holds. */
  static final class HelpDefaults extends Flags.HelpDefaults {
    HelpDefaults() {
      super(HubSettings.ALL);
    }
  }
}
