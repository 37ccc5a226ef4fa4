package dev.verge.agent.serving;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The statistics extension's answer ({@code GET /v2/models[/{name}[/versions/{version}]]/stats}),
 * in Triton's layout so that its clients read it unchanged. Counts are requests; durations are
 * cumulative nanoseconds. Verge runs a request as soon as it arrives (or refuses it with 503), so
 * {@code queue} is only the wait for the model version's lease.
 */
public record ModelStatistics(@JsonProperty("model_stats") List<VersionStats> modelStats) {

  public record VersionStats(
      String name,
      String version,
      @JsonProperty("last_inference") long lastInference,
      @JsonProperty("inference_count") long inferenceCount,
      @JsonProperty("execution_count") long executionCount,
      @JsonProperty("inference_stats") InferenceStats inferenceStats) {}

  /**
   * @param success whole successful requests, from the lease to the encoded answer
   * @param fail whole failed requests
   * @param queue waiting for the version's lease
   * @param computeInput decoding the request into input tensors
   * @param computeInfer the model's run
   * @param computeOutput encoding the outputs into the answer
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
