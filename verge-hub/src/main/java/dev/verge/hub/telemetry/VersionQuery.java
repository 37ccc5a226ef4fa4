package dev.verge.hub.telemetry;

import java.time.Instant;

/**
 * Which of a model version's predictions to read: those whose own time is from {@code from}
 * (inclusive) to {@code to} (exclusive), of one device or, with {@code deviceId} null, of all.
 */
public record VersionQuery(String model, long version, Instant from, Instant to, String deviceId) {
  public VersionQuery {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model is required");
    }
    if (from == null || to == null || !from.isBefore(to)) {
      throw new IllegalArgumentException("from must be before to, got " + from + " and " + to);
    }
  }
}
