package dev.verge.agent.store;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One served prediction, before the store gives it its sequence number. */
public record Prediction(
    Instant time,
    String model,
    long version,
    long latencyMicros,
    String requestId,
    JsonNode outputs) {}
