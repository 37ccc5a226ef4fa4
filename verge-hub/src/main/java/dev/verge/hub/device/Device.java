package dev.verge.hub.device;

import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.Map;

/**
 * An enrolled device as the hub keeps it.
 *
 * @param labels the labels selectors match
 * @param lastSeenAt when it last called the hub; null before its first call
 * @param reported its last report as it sent it; null before its first report
 */
public record Device(
    String id,
    String name,
    Map<String, String> labels,
    Instant enrolledAt,
    Instant lastSeenAt,
    ReportedState reported) {
  public Device {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
