package dev.verge.agent;

import dev.verge.core.api.ModelReport;
import java.util.List;

/**
 * What a running agent does, for operators ({@code GET /verge/v1/status}) and tests.
 *
 * @param models per model: the active version, the installed versions, and the last failure
 * @param predictionsPending recorded predictions the hub has not acknowledged yet
 */
public record AgentStatus(
    String deviceId,
    List<ModelReport> models,
    long predictionsServed,
    long predictionsFailed,
    long predictionsPending) {
  public AgentStatus {
    models = List.copyOf(models);
  }
}
