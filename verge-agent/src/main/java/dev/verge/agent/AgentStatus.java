package dev.verge.agent;

import dev.verge.agent.pipeline.PipelineStatus;
import dev.verge.core.api.ModelReport;
import java.util.List;

/**
 * What a running agent does, for operators ({@code GET /verge/v1/status}) and tests.
 *
 * @param models per model: the active version, the installed versions, and the last failure
 * @param predictionsPending recorded predictions the hub has not acknowledged yet
 * @param pipelines each configured pipeline's state and counts, in configuration order
 * @param eventsPending events raised by pipelines that the hub has not acknowledged yet
 */
public record AgentStatus(
    String deviceId,
    List<ModelReport> models,
    long predictionsServed,
    long predictionsFailed,
    long predictionsPending,
    List<PipelineStatus> pipelines,
    long eventsPending) {
  public AgentStatus {
    models = List.copyOf(models);
    pipelines = pipelines == null ? List.of() : List.copyOf(pipelines);
  }

  /** A status without pipelines. */
  public AgentStatus(
      String deviceId,
      List<ModelReport> models,
      long predictionsServed,
      long predictionsFailed,
      long predictionsPending) {
    this(deviceId, models, predictionsServed, predictionsFailed, predictionsPending, List.of(), 0);
  }
}
