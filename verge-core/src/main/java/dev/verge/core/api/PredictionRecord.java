package dev.verge.core.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * One prediction a device served, as recorded locally and forwarded.
 *
 * @param sequence the device's local, increasing record number; with the device id it names the
 *     record, so a batch sent twice is stored once
 * @param outputs the response's outputs, as JSON
 */
public record PredictionRecord(
    long sequence,
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    JsonNode outputs) {}
