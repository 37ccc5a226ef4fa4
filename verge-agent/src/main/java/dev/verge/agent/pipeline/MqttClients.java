package dev.verge.agent.pipeline;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import dev.verge.core.tls.CaFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Builds the HiveMQ clients of MQTT sources and actions from an {@link MqttBroker}, and of the
 * agent's desired-state push subscription (which describes its broker as one); not API.
 */
public final class MqttClients {
  private MqttClients() {}

  /** The client id a pipeline's source or action uses when none is configured. */
  static String defaultId(String deviceId, String pipeline, String role) {
    String id = "verge-" + (deviceId == null ? "agent" : deviceId) + "-" + pipeline + "-" + role;
    return id.length() > 128 ? id.substring(0, 128) : id;
  }

  /** A builder for {@code broker}: host, port, TLS, credentials and the connect time-outs. */
  public static Mqtt5ClientBuilder builder(MqttBroker broker, String id) {
    long timeout = broker.timeout().toMillis();
    // TLS set inside the one transport config: a client-level sslConfig given after
    // transportConfig() was dropped (plain TCP to a TLS port: mosquitto logged "wrong version").
    var transport =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id)
            .transportConfig()
            .serverHost(broker.url().getHost())
            .serverPort(broker.port())
            .socketConnectTimeout(timeout, TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(timeout, TimeUnit.MILLISECONDS);
    if (broker.tls()) {
      transport =
          broker.caFile() == null
              ? transport.sslWithDefaultConfig()
              : transport.sslConfig(ssl(broker.caFile()));
    }
    Mqtt5ClientBuilder builder = transport.applyTransportConfig();
    if (broker.username() != null) {
      var auth = builder.simpleAuth().username(broker.username());
      if (broker.password() != null) {
        auth = auth.password(broker.password().getBytes(StandardCharsets.UTF_8));
      }
      builder = auth.applySimpleAuth();
    }
    return builder;
  }

  /** TLS that trusts exactly the certificates in {@code caFile} (PEM). */
  static MqttClientSslConfig ssl(Path caFile) {
    try {
      return MqttClientSslConfig.builder()
          .trustManagerFactory(CaFile.trusting(caFile, "mqtt.ca-file"))
          .build();
    } catch (IllegalArgumentException e) {
      throw new PipelineException(e.getMessage(), e);
    }
  }

  /**
   * Why a connect, subscribe or publish failed, naming the broker and never the password: a refused
   * CONNACK by its reason code (bad credentials say so), anything else by its message.
   */
  static String why(MqttBroker broker, Throwable failure) {
    return why(broker, failure, " (check mqtt.username and the password it reads)");
  }

  /** As {@link #why(MqttBroker, Throwable)}, with {@code credentialsHint} after refused ones. */
  public static String why(MqttBroker broker, Throwable failure, String credentialsHint) {
    Throwable e = unwrap(failure);
    if (e instanceof Mqtt5ConnAckException refused) {
      String code = refused.getMqttMessage().getReasonCode().toString();
      String hint =
          switch (refused.getMqttMessage().getReasonCode()) {
            case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED -> credentialsHint;
            case CLIENT_IDENTIFIER_NOT_VALID -> " (check mqtt.client-id)";
            default -> "";
          };
      return "MQTT broker " + broker.url() + " refused the connection: " + code + hint;
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (broker.password() != null) {
      message = message.replace(broker.password(), "***");
    }
    return "MQTT broker " + broker.url() + ": " + message;
  }

  /** Whether the broker refused the connection for its credentials (bad, or not allowed). */
  public static boolean refusedCredentials(Throwable failure) {
    return unwrap(failure) instanceof Mqtt5ConnAckException refused
        && switch (refused.getMqttMessage().getReasonCode()) {
          case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED -> true;
          default -> false;
        };
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable e = failure;
    while ((e instanceof java.util.concurrent.CompletionException
            || e instanceof java.util.concurrent.ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
