package dev.verge.core.api;

import java.util.List;

/**
 * What a device says it has: per model what is installed and active, and what failed. Counters are
 * totals since the device's store was created.
 */
public record ReportedState(
    String agentVersion, List<ModelReport> models, long predictionsServed, long predictionsFailed) {
  public ReportedState {
    models = models == null ? List.of() : List.copyOf(models);
  }
}
