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

  public record InferenceStats(StatDuration success, StatDuration fail) {}

  public record StatDuration(long count, long ns) {}
}
