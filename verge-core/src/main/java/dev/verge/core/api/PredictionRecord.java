package dev.verge.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One prediction a device served, as recorded locally and forwarded.
 *
 * @param sequence the device's local, increasing record number; with the device id it names the
 *     record, so a batch sent twice is stored once
 * @param outputs the response's outputs, as JSON (an array of protocol output tensors; one whose
 *     {@code data} a size cap left out keeps its name, shape and datatype)
 * @param inputs the request's inputs, as JSON in the same form, when the device's capture policy
 *     records them; null (absent on the wire) when it does not
 */
public record PredictionRecord(
    long sequence,
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    JsonNode outputs,
    JsonNode inputs) {

  /** A record without inputs, as devices that do not capture them send it. */
  public PredictionRecord(
      long sequence,
      Instant time,
      String model,
      long version,
      long latencyMicros,
      String requestId,
      JsonNode outputs) {
    this(sequence, time, model, version, latencyMicros, requestId, outputs, null);
  }
}
