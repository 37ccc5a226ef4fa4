package dev.verge.core.api;

import java.util.List;
import java.util.Map;

/**
 * What a device says it has: per model what is installed and active, and what failed. Counters are
 * totals since the device's store was created.
 *
 * @param labels the labels the device is configured with, which replace the ones the hub holds;
 *     null when the device does not report labels (the hub keeps what it has)
 * @param timeZone the device's time zone (an IANA id such as {@code Europe/Berlin}), which
 *     maintenance windows are read in; null when unknown
 * @param hardware what the device is (architecture, cores, memory, disk, accelerators, OS, agent
 *     version); null from agents that do not report it (the hub keeps the profile it has)
 */
public record ReportedState(
    String agentVersion,
    List<ModelReport> models,
    long predictionsServed,
    long predictionsFailed,
    Map<String, String> labels,
    String timeZone,
    HardwareProfile hardware) {
  public ReportedState {
    models = models == null ? List.of() : List.copyOf(models);
    labels = labels == null ? null : Map.copyOf(labels);
  }

  /** A report without a hardware profile. */
  public ReportedState(
      String agentVersion,
      List<ModelReport> models,
      long predictionsServed,
      long predictionsFailed,
      Map<String, String> labels,
      String timeZone) {
    this(agentVersion, models, predictionsServed, predictionsFailed, labels, timeZone, null);
  }

  /** This report with {@code profile} as its hardware profile. */
  public ReportedState withHardware(HardwareProfile profile) {
    return new ReportedState(
        agentVersion, models, predictionsServed, predictionsFailed, labels, timeZone, profile);
  }

  /** A report without a time zone. */
  public ReportedState(
      String agentVersion,
      List<ModelReport> models,
      long predictionsServed,
      long predictionsFailed,
      Map<String, String> labels) {
    this(agentVersion, models, predictionsServed, predictionsFailed, labels, null, null);
  }

  /** A report that leaves the device's labels as the hub has them. */
  public ReportedState(
      String agentVersion,
      List<ModelReport> models,
      long predictionsServed,
      long predictionsFailed) {
    this(agentVersion, models, predictionsServed, predictionsFailed, null, null, null);
  }
}
