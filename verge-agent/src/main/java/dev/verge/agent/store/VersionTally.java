package dev.verge.agent.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The health counters of one model's active version, as the store keeps them: totals since {@code
 * activatedAt}, and per output column the sum and count of its finite values (the mean is their
 * quotient), so counting can go on where it stopped after a restart.
 *
 * @param deploymentId the deployment that activated the version; null when unknown
 * @param latency one count per {@link dev.verge.core.api.LatencyBuckets} bucket
 * @param outputs keyed {@code <output>[<column>]}
 */
public record VersionTally(
    String model,
    long version,
    Long deploymentId,
    Instant activatedAt,
    long requests,
    long errors,
    List<Long> latency,
    Map<String, OutputSum> outputs) {
  public VersionTally {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(activatedAt, "activatedAt");
    latency = List.copyOf(latency);
    outputs = Map.copyOf(outputs);
  }

  /** The sum of one output column's finite values over {@code count} values. */
  public record OutputSum(double sum, long count) {}
}
