package dev.verge.hub.push;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How the hub pushes desired-state changes over MQTT. The hub connects to {@code broker} as {@code
 * username}, and writes the broker's password and ACL files (every device's hash, its own, and each
 * device's right to read only its own topics) into {@code brokerFiles}, then runs {@code
 * reloadCommand} so the broker reads them: mosquitto rereads both on SIGHUP.
 *
 * @param broker {@code tcp://host:port} or {@code ssl://host:port}, as the hub reaches it
 * @param deviceBroker the same broker as devices reach it; null for {@code broker}
 * @param username the hub's own user on the broker; null for {@value #DEFAULT_USERNAME}
 * @param passwordFile the hub's own password on the broker (read at start, at most 4 KiB); null to
 *     have the hub make one in its data folder ({@value #PASSWORD_FILE_NAME}, owner-only), which
 *     hubs sharing one store must then share
 * @param brokerFiles the folder the hub writes {@value BrokerFiles#PASSWORDS} and {@value
 *     BrokerFiles#ACL} into, for mosquitto's {@code password_file} and {@code acl_file}; null for
 *     {@code mosquitto/} in the data folder
 * @param reloadCommand run after each rewrite (e.g. {@code systemctl reload mosquitto}, or {@code
 *     kill -HUP <pid>}), split on spaces, no shell; empty for none, and then the broker must be
 *     reloaded some other way before new devices can connect
 * @param caFile PEM certificates to trust for an {@code ssl://} broker instead of the JDK's; null
 * @param timeout bounds each connect and publish, and the reload command
 */
public record PushConfig(
    URI broker,
    URI deviceBroker,
    String username,
    Path passwordFile,
    Path brokerFiles,
    List<String> reloadCommand,
    Path caFile,
    Duration timeout) {
  public static final String DEFAULT_USERNAME = "verge-hub";
  public static final String PASSWORD_FILE_NAME = "push.password";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  public PushConfig {
    Objects.requireNonNull(broker, "push broker");
    requireBroker(broker, "push-broker");
    deviceBroker = deviceBroker == null ? broker : deviceBroker;
    requireBroker(deviceBroker, "push-device-broker");
    username = username == null ? DEFAULT_USERNAME : username;
    if (username.isBlank() || username.contains(":") || username.startsWith("dev-")) {
      throw new IllegalArgumentException(
          "push-username '"
              + username
              + "' must be non-empty, without ':', and not start with"
              + " 'dev-' (device users are their device ids)");
    }
    reloadCommand = reloadCommand == null ? List.of() : List.copyOf(reloadCommand);
    if (caFile != null && !"ssl".equals(broker.getScheme())) {
      throw new IllegalArgumentException("push-ca-file applies only to an ssl:// push-broker");
    }
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("the push time-out must be positive, got " + timeout);
    }
  }

  /** Pushes through {@code broker}, with every other part at its default. */
  public static PushConfig of(URI broker) {
    return new PushConfig(broker, null, null, null, null, List.of(), null, null);
  }

  public PushConfig withBrokerFiles(Path folder, List<String> reload) {
    return new PushConfig(
        broker, deviceBroker, username, passwordFile, folder, reload, caFile, timeout);
  }

  public PushConfig withPasswordFile(Path file) {
    return new PushConfig(
        broker, deviceBroker, username, file, brokerFiles, reloadCommand, caFile, timeout);
  }

  /** The broker's port, or its scheme's default (1883, 8883 for TLS). */
  static int port(URI url) {
    return url.getPort() > 0 ? url.getPort() : "ssl".equals(url.getScheme()) ? 8883 : 1883;
  }

  private static void requireBroker(URI url, String setting) {
    String scheme = url.getScheme();
    if (!"tcp".equals(scheme) && !"ssl".equals(scheme) || url.getHost() == null) {
      throw new IllegalArgumentException(
          setting + " '" + url + "' must be tcp://host:port or ssl://host:port");
    }
    if (url.getPath() != null && !url.getPath().isEmpty() && !"/".equals(url.getPath())) {
      throw new IllegalArgumentException(setting + " '" + url + "' must not have a path");
    }
  }
}
