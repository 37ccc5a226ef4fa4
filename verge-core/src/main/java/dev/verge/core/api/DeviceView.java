package dev.verge.core.api;

import java.time.Instant;
import java.util.Map;

/** A device as the management API shows it: identity, last report and synced predictions. */
public record DeviceView(
    String id,
    String name,
    Map<String, String> labels,
    Instant enrolledAt,
    Instant lastSeenAt,
    ReportedState reported,
    long predictionsSynced) {}
