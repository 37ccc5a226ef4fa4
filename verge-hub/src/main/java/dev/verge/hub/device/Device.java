package dev.verge.hub.device;

import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.Map;

/**
 * An enrolled device as the hub keeps it.
 *
 * @param reportedLabels the labels it enrolled with or last reported
 * @param operatorLabels the labels an operator set or removed, which win over the reported ones
 * @param lastSeenAt when its last call was written down; null before that
 * @param reported its last report as it sent it; null before its first report
 */
public record Device(
    String id,
    String name,
    Map<String, String> reportedLabels,
    OperatorLabels operatorLabels,
    Instant enrolledAt,
    Instant lastSeenAt,
    ReportedState reported) {
  public Device {
    reportedLabels = reportedLabels == null ? Map.of() : Map.copyOf(reportedLabels);
    operatorLabels = operatorLabels == null ? OperatorLabels.NONE : operatorLabels;
  }

  /** The labels selectors match: the reported ones with the operator's on top. */
  public Map<String, String> labels() {
    return operatorLabels.applyTo(reportedLabels);
  }
}
