package dev.verge.agent.pipeline;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the agent reaches an MQTT broker, for a source or an action: {@code tcp://host:port} or
 * {@code ssl://host:port} (TLS checked against the JDK's trust store, or against {@code caFile}
 * alone when given). The password is never shown: {@link #toString()} hides it, and every message
 * names the broker by {@link #url()} only.
 *
 * @param url the broker
 * @param clientId the MQTT client identifier; null for one made from the device id and pipeline
 * @param username null for none
 * @param password null for none; read from a file or an environment variable by the configuration
 * @param caFile PEM certificates to trust instead of the JDK's, for {@code ssl://}; null for none
 * @param timeout bounds each connect, subscribe and publish
 */
public record MqttBroker(
    URI url, String clientId, String username, String password, Path caFile, Duration timeout) {
  public static final int DEFAULT_TCP_PORT = 1883;
  public static final int DEFAULT_SSL_PORT = 8883;

  public MqttBroker {
    Objects.requireNonNull(url, "mqtt.broker");
    String scheme = url.getScheme();
    if (!"tcp".equals(scheme) && !"ssl".equals(scheme) || url.getHost() == null) {
      throw new IllegalArgumentException(
          "mqtt.broker '" + url + "' must be tcp://host:port or ssl://host:port");
    }
    if (url.getPath() != null && !url.getPath().isEmpty() && !"/".equals(url.getPath())) {
      throw new IllegalArgumentException(
          "mqtt.broker '" + url + "' must not have a path; the topic is set with mqtt.topic");
    }
    if (caFile != null && !"ssl".equals(scheme)) {
      throw new IllegalArgumentException("mqtt.ca-file applies only to an ssl:// broker");
    }
    if (clientId != null && (clientId.isBlank() || clientId.length() > 128)) {
      throw new IllegalArgumentException("mqtt.client-id must be 1 to 128 characters");
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("mqtt.password-file or password-env needs mqtt.username");
    }
    Actions.requireTimeout(timeout, "mqtt.timeout");
  }

  /** The broker's port, or the scheme's default. */
  public int port() {
    return url.getPort() > 0
        ? url.getPort()
        : "ssl".equals(url.getScheme()) ? DEFAULT_SSL_PORT : DEFAULT_TCP_PORT;
  }

  public boolean tls() {
    return "ssl".equals(url.getScheme());
  }

  @Override
  public String toString() {
    return "MqttBroker[url="
        + url
        + ", clientId="
        + clientId
        + ", username="
        + username
        + ", password="
        + (password == null ? "none" : "***")
        + ", caFile="
        + caFile
        + ", timeout="
        + timeout
        + "]";
  }
}
