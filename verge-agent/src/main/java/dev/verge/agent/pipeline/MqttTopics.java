package dev.verge.agent.pipeline;

import java.nio.charset.StandardCharsets;

/** The MQTT topic rules (MQTT 5 §4.7), checked when a pipeline is configured. */
final class MqttTopics {
  private MqttTopics() {}

  /** A topic to publish to: no wildcards. */
  static void requireName(String topic, String key) {
    requireText(topic, key);
    if (topic.contains("+") || topic.contains("#")) {
      throw new IllegalArgumentException(
          key + " '" + topic + "' must not hold the wildcards + or # (it is published to)");
    }
  }

  /** A topic filter to subscribe to: {@code +} a whole level, {@code #} the last level. */
  static void requireFilter(String filter, String key) {
    requireText(filter, key);
    String[] levels = filter.split("/", -1);
    for (int i = 0; i < levels.length; i++) {
      String level = levels[i];
      boolean wild = level.contains("+") || level.contains("#");
      if (wild && !("+".equals(level) || "#".equals(level) && i == levels.length - 1)) {
        throw new IllegalArgumentException(
            key
                + " '"
                + filter
                + "': + must be a whole level and # the whole last level (as in a/+/c/#)");
      }
    }
  }

  private static void requireText(String topic, String key) {
    if (topic == null || topic.isEmpty()) {
      throw new IllegalArgumentException(key + " is required");
    }
    if (topic.getBytes(StandardCharsets.UTF_8).length > 65_535 || topic.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(key + " must be at most 65535 bytes, without NUL");
    }
  }
}
