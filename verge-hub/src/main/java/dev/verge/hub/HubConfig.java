package dev.verge.hub;

import dev.verge.hub.push.PushConfig;
import dev.verge.hub.store.PostgresServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a hub runs. Build one with {@link #defaults} and the {@code with...} copies; a bad value
 * fails here or at {@link Hub#start} with a message naming it.
 *
 * @param dataDir folder for {@code hub.db}, {@code bundles/} and {@code admin.token}; created if
 *     missing
 * @param bindAddress interface to listen on, {@code 127.0.0.1} by default
 * @param port TCP port, 0 for any free port
 * @param maxBundleBytes largest bundle upload accepted, 2 GiB by default
 * @param trustedKeys publisher {@code .pub} PEM files (or folders of them) whose signatures are
 *     accepted in addition to keys registered through the API
 * @param metricsOpen whether {@code /metrics} answers without the admin token; allowed only when
 *     the hub listens on a loopback address, off by default
 * @param postgres the PostgreSQL database that keeps the hub's tables instead of {@code hub.db} in
 *     {@code dataDir}; null (the default) for the embedded SQLite store
 * @param bundlesDir where published bundles are kept; null (the default) for {@code
 *     dataDir/bundles}. Hubs sharing one PostgreSQL database share this folder too (a network file
 *     system every hub mounts): bundles are written to a temporary file and moved into place under
 *     their digest, so hubs never see each other's half-written files.
 * @param rolloutLease how long a stopped hub's rollouts wait before another hub takes them
 * @param deviceOfflineAfter a device whose last contact is older than this is offline (the device
 *     search's {@code status} and a device's {@code online}); 90 s by default, three of the agent's
 *     30 s report heartbeats
 * @param predictionRetention how long predictions are kept, by the time the device made them
 *     (PostgreSQL drops whole days once all of a day is that old); 30 days by default, zero keeps
 *     every prediction
 * @param push how the hub pushes desired-state changes over MQTT; null (the default) for none:
 *     devices poll
 */
public record HubConfig(
    Path dataDir,
    String bindAddress,
    int port,
    long maxBundleBytes,
    List<Path> trustedKeys,
    boolean metricsOpen,
    PostgresServer postgres,
    Path bundlesDir,
    Duration rolloutLease,
    Duration deviceOfflineAfter,
    Duration predictionRetention,
    PushConfig push) {

  public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
  public static final int DEFAULT_PORT = 8420;
  public static final long DEFAULT_MAX_BUNDLE_BYTES = 2L * 1024 * 1024 * 1024;
  public static final Duration DEFAULT_ROLLOUT_LEASE = Duration.ofSeconds(30);
  public static final Duration DEFAULT_DEVICE_OFFLINE_AFTER = Duration.ofSeconds(90);
  public static final Duration DEFAULT_PREDICTION_RETENTION = Duration.ofDays(30);

  public HubConfig {
    if (dataDir == null) {
      throw new IllegalArgumentException("dataDir is required");
    }
    if (bindAddress == null || bindAddress.isBlank()) {
      throw new IllegalArgumentException("bindAddress must not be empty");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "port must be between 0 and 65535 (0 = any free port), got " + port);
    }
    if (maxBundleBytes < 1) {
      throw new IllegalArgumentException("maxBundleBytes must be 1 or more, got " + maxBundleBytes);
    }
    trustedKeys = trustedKeys == null ? List.of() : trustedKeys;
    for (int i = 0; i < trustedKeys.size(); i++) {
      if (trustedKeys.get(i) == null) {
        throw new IllegalArgumentException("trustedKeys[" + i + "] is null");
      }
    }
    trustedKeys = List.copyOf(trustedKeys);
    rolloutLease = rolloutLease == null ? DEFAULT_ROLLOUT_LEASE : rolloutLease;
    if (rolloutLease.compareTo(Duration.ofSeconds(2)) < 0) {
      throw new IllegalArgumentException(
          "rolloutLease must be 2 s or more (a step runs each second), got " + rolloutLease);
    }
    deviceOfflineAfter =
        deviceOfflineAfter == null ? DEFAULT_DEVICE_OFFLINE_AFTER : deviceOfflineAfter;
    if (deviceOfflineAfter.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "deviceOfflineAfter must be 1 s or more (contacts are written each second), got "
              + deviceOfflineAfter);
    }
    predictionRetention =
        predictionRetention == null ? DEFAULT_PREDICTION_RETENTION : predictionRetention;
    if (predictionRetention.isNegative()
        || (!predictionRetention.isZero()
            && predictionRetention.compareTo(Duration.ofHours(1)) < 0)) {
      throw new IllegalArgumentException(
          "predictionRetention must be 1 h or more, or zero to keep every prediction, got "
              + predictionRetention);
    }
  }

  /** A hub whose {@code /metrics} needs the admin token. */
  public HubConfig(
      Path dataDir, String bindAddress, int port, long maxBundleBytes, List<Path> trustedKeys) {
    this(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        false,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  /** Listens on {@value #DEFAULT_BIND_ADDRESS}:{@value #DEFAULT_PORT}, 2 GiB bundles, no keys. */
  public static HubConfig defaults(Path dataDir) {
    return new HubConfig(
        dataDir, DEFAULT_BIND_ADDRESS, DEFAULT_PORT, DEFAULT_MAX_BUNDLE_BYTES, List.of());
  }

  public HubConfig withBindAddress(String bindAddress) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  public HubConfig withPort(int port) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  public HubConfig withMaxBundleBytes(long maxBundleBytes) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  public HubConfig withTrustedKeys(List<Path> trustedKeys) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  /** Serves {@code /metrics} without the admin token; {@link Hub#start} refuses it off loopback. */
  public HubConfig withMetricsOpen(boolean open) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        open,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  /** Keeps the hub's tables in {@code server}'s database; null for the embedded SQLite store. */
  public HubConfig withPostgres(PostgresServer server) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        server,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  /** Keeps bundles in {@code folder} (null: {@code dataDir/bundles}). */
  public HubConfig withBundlesDir(Path folder) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        folder,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  /** Lets another hub take over this hub's rollouts {@code lease} after it last stepped them. */
  public HubConfig withRolloutLease(Duration lease) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        lease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }

  /** Counts a device offline once its last contact is older than {@code after}. */
  public HubConfig withDeviceOfflineAfter(Duration after) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        after,
        predictionRetention,
        push);
  }

  /** Keeps predictions {@code retention} by their own time; zero keeps every one. */
  public HubConfig withPredictionRetention(Duration retention) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        retention,
        push);
  }

  /** The folder bundles are kept in. */
  public Path bundles() {
    return bundlesDir != null ? bundlesDir : dataDir.resolve(Hub.BUNDLES_DIR);
  }

  /** Pushes desired-state changes through an MQTT broker; null for none. */
  public HubConfig withPush(PushConfig push) {
    return new HubConfig(
        dataDir,
        bindAddress,
        port,
        maxBundleBytes,
        trustedKeys,
        metricsOpen,
        postgres,
        bundlesDir,
        rolloutLease,
        deviceOfflineAfter,
        predictionRetention,
        push);
  }
}
