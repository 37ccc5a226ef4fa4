package dev.verge.agent.pipeline;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** What a rule does when it fires. */
public sealed interface Action {
  /** Severities an event may have. */
  Set<String> SEVERITIES = Set.of("info", "warning", "critical");

  /**
   * An event for the hub: written to the agent's store at once, forwarded when the hub is reachable
   * (it survives days offline and restarts).
   */
  record RaiseEvent(String severity, String message) implements Action {
    public RaiseEvent {
      severity = severity == null ? "warning" : severity;
      if (!SEVERITIES.contains(severity)) {
        throw new IllegalArgumentException(
            "event.severity '" + severity + "' is not one of info, warning, critical");
      }
      if (message != null && message.length() > 1000) {
        throw new IllegalArgumentException("event.message is longer than 1000 characters");
      }
    }
  }

  /**
   * An HTTP POST of the firing as JSON. Each try has {@code timeout}; a failed one (no answer, or a
   * status other than 2xx) is retried {@code retries} times with back-off.
   */
  record Webhook(URI url, Duration timeout, int retries, Map<String, String> headers)
      implements Action {
    public static final int MAX_RETRIES = 20;

    public Webhook {
      Objects.requireNonNull(url, "webhook.url");
      String scheme = url.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme) || url.getHost() == null) {
        throw new IllegalArgumentException(
            "webhook.url '" + url + "' must be an http:// or https:// URL with a host");
      }
      Actions.requireTimeout(timeout, "webhook.timeout");
      if (retries < 0 || retries > MAX_RETRIES) {
        throw new IllegalArgumentException(
            "webhook.retries must be 0 to " + MAX_RETRIES + ", got " + retries);
      }
      headers = headers == null ? Map.of() : Map.copyOf(headers);
    }
  }

  /**
   * A program run without a shell, the firing as JSON on its standard input; killed after {@code
   * timeout}; its output kept up to {@code maxOutputBytes} for the log.
   */
  record RunCommand(List<String> command, Duration timeout, int maxOutputBytes) implements Action {
    public RunCommand {
      command = List.copyOf(Objects.requireNonNull(command, "command"));
      if (command.isEmpty() || command.getFirst().isBlank()) {
        throw new IllegalArgumentException("command.run needs a program to run");
      }
      Actions.requireTimeout(timeout, "command.timeout");
      Actions.requireOutputLimit(maxOutputBytes, "command.max-output-kb");
    }
  }

  /**
   * Publishes the firing as JSON (what a webhook is sent) to {@code topic}. The firing is kept in
   * the pipeline store until the broker acknowledged it (PUBACK for QoS 1, PUBCOMP for 2), and
   * tried again with back-off while the broker is away, across restarts.
   */
  record PublishMqtt(MqttBroker broker, String topic, int qos, boolean retain) implements Action {
    public PublishMqtt {
      Objects.requireNonNull(broker, "mqtt.broker");
      MqttTopics.requireName(topic, "mqtt.topic");
      if (qos < 1 || qos > 2) {
        throw new IllegalArgumentException(
            "mqtt.qos must be 1 or 2 (a firing is kept until the broker acknowledges it), got "
                + qos);
      }
    }
  }
}
