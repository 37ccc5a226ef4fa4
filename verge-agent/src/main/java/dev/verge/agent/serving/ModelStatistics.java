package dev.verge.agent.serving;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /v2/models/{name}[/versions/{version}]/stats}, in the statistics extension's layout
 * (as Triton answers it). Counts are requests; durations are cumulative nanoseconds.
 */
public record ModelStatistics(@JsonProperty("model_stats") List<VersionStats> modelStats) {
  public ModelStatistics {
    modelStats = List.copyOf(modelStats);
  }

  /**
   * @param lastInference milliseconds since the epoch of the last inference, 0 when none
   */
  public record VersionStats(
      String name,
      String version,
      @JsonProperty("last_inference") long lastInference,
      @JsonProperty("inference_count") long inferenceCount,
      @JsonProperty("execution_count") long executionCount,
      @JsonProperty("inference_stats") InferenceStats inferenceStats) {}

  /**
   * Triton's split of the time: successes and failures end to end; of the successes, the time
   * queued (none here: a call runs on the thread that received it), decoding the inputs, running
   * the model, and what follows the run (recording the prediction).
   */
  public record InferenceStats(
      StatDuration success,
      StatDuration fail,
      StatDuration queue,
      @JsonProperty("compute_input") StatDuration computeInput,
      @JsonProperty("compute_infer") StatDuration computeInfer,
      @JsonProperty("compute_output") StatDuration computeOutput) {}

  public record StatDuration(long count, long ns) {}
}
