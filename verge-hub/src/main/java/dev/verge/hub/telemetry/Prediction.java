package dev.verge.hub.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.PredictionRecord;
import java.time.Instant;

/**
 * One prediction a device made, as the hub keeps it: the device's sequence number for it, when and
 * with which model version it ran, its outputs as the device sent them (null when not sent), and
 * its inputs when the device's capture policy records them (null otherwise).
 */
public record Prediction(
    long sequence,
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    JsonNode outputs,
    JsonNode inputs) {

  static Prediction of(PredictionRecord r) {
    return new Prediction(
        r.sequence(),
        r.time(),
        r.model(),
        r.version(),
        r.latencyMicros(),
        r.requestId(),
        r.outputs(),
        r.inputs());
  }
}
