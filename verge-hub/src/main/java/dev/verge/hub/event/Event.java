package dev.verge.hub.event;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/** One device event as the hub stores it. */
public record Event(
    String deviceId,
    long sequence,
    Instant time,
    String pipeline,
    String rule,
    String severity,
    String message,
    String model,
    long version,
    JsonNode details,
    Instant receivedAt) {}
