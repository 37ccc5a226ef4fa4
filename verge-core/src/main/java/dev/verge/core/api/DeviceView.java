package dev.verge.core.api;

import java.time.Instant;
import java.util.Map;

/**
 * A device as the management API shows it: identity, last report and synced predictions.
 *
 * @param labels the labels selectors match: reported, the operator's on top, and the reserved
 *     {@code verge.io/} labels of its hardware profile
 * @param reported its last report, with the hardware profile the hub holds (the last one reported)
 * @param online whether its last contact is more recent than the hub's {@code device-offline-after}
 */
public record DeviceView(
    String id,
    String name,
    Map<String, String> labels,
    Instant enrolledAt,
    Instant lastSeenAt,
    ReportedState reported,
    long predictionsSynced,
    boolean online) {}
