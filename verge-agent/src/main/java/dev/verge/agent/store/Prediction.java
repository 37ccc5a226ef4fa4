package dev.verge.agent.store;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.time.Instant;
import java.util.Objects;

/**
 * One served prediction, before the store gives it its sequence number. Its tensors arrive encoded
 * already (the capture writer encodes them off the request's thread), so the store only copies
 * text.
 *
 * @param outputsJson the outputs as a JSON array of protocol output tensors
 * @param inputsJson the inputs as a JSON array of protocol input tensors; null when not captured
 */
public record Prediction(
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    String outputsJson,
    String inputsJson) {
  public Prediction {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(outputsJson, "outputsJson");
  }

  /** A prediction with its outputs as a JSON tree and no inputs. */
  public Prediction(
      Instant time,
      String model,
      long version,
      long latencyMicros,
      String requestId,
      JsonNode outputs) {
    this(time, model, version, latencyMicros, requestId, Json.writeString(outputs), null);
  }
}
