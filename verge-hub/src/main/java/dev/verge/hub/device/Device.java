package dev.verge.hub.device;

import dev.verge.core.api.HardwareProfile;
import dev.verge.core.api.ReportedState;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * An enrolled device as the hub keeps it.
 *
 * @param reportedLabels the labels it enrolled with or last reported
 * @param operatorLabels the labels an operator set or removed, which win over the reported ones
 * @param lastSeenAt when its last call was written down; null before that
 * @param reported its last report as it sent it, without its hardware profile; null before its
 *     first report
 * @param hardware the last hardware profile it reported; null when it never reported one
 */
public record Device(
    String id,
    String name,
    Map<String, String> reportedLabels,
    OperatorLabels operatorLabels,
    Instant enrolledAt,
    Instant lastSeenAt,
    ReportedState reported,
    HardwareProfile hardware) {
  public Device {
    reportedLabels = reportedLabels == null ? Map.of() : Map.copyOf(reportedLabels);
    operatorLabels = operatorLabels == null ? OperatorLabels.NONE : operatorLabels;
  }

  /**
   * The labels selectors match: the reported ones with the operator's on top, and the reserved
   * labels of the hardware profile ({@link ProfileLabels}), which neither may set.
   */
  public Map<String, String> labels() {
    return labels(reportedLabels, operatorLabels, hardware);
  }

  static Map<String, String> labels(
      Map<String, String> reported, OperatorLabels operator, HardwareProfile hardware) {
    Map<String, String> merged = operator.applyTo(reported);
    Map<String, String> profile = ProfileLabels.of(hardware);
    if (profile.isEmpty()) {
      return merged;
    }
    TreeMap<String, String> all = new TreeMap<>(merged);
    all.putAll(profile);
    return Collections.unmodifiableMap(all);
  }
}
