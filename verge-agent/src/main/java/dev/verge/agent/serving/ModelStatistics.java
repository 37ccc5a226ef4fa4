package dev.verge.agent.serving;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code GET /v2/models/{name}[/versions/{version}]/stats}, in the statistics extension's layout
 * (as Triton answers it). Counts are requests; durations are cumulative nanoseconds.
 */
record ModelStatistics(@JsonProperty("model_stats") List<VersionStats> modelStats) {

  record VersionStats(
      String name,
      String version,
      @JsonProperty("last_inference") long lastInference,
      @JsonProperty("inference_count") long inferenceCount,
      @JsonProperty("execution_count") long executionCount,
      @JsonProperty("inference_stats") InferenceStats inferenceStats) {}

  record InferenceStats(StatDuration success, StatDuration fail) {}

  record StatDuration(long count, long ns) {}
}
