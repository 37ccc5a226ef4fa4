package dev.verge.core.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * How one model version has behaved on a device since the device activated it: what the hub's
 * health gates read. Counters are totals since {@code activatedAt} (they survive agent restarts),
 * so the hub can add them across devices.
 *
 * @param deploymentId the deployment that activated this version; null when unknown
 * @param requests inference requests answered, successfully or not
 * @param errors requests that failed inside the model (not malformed requests the agent refused)
 * @param latency per-bucket request counts in {@link LatencyBuckets}' layout ({@link
 *     LatencyBuckets#COUNT} entries)
 * @param outputMeans per numeric output column, the mean of its values over successful requests,
 *     keyed {@code <output>[<column>]} (the last dimension's index; at most 8 columns of 4
 *     outputs): {@code output[1]} is the mean probability of a classifier's second class
 */
public record VersionStats(
    long version,
    Long deploymentId,
    Instant activatedAt,
    long requests,
    long errors,
    List<Long> latency,
    Map<String, Double> outputMeans) {
  public VersionStats {
    latency = latency == null ? List.of() : List.copyOf(latency);
    outputMeans = outputMeans == null ? Map.of() : Map.copyOf(outputMeans);
  }
}
