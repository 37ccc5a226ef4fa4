package dev.verge.core.api;

import java.time.Instant;
import java.util.List;

/**
 * A model version's predictions per time bucket ({@code GET
 * /api/v1/models/{name}/versions/{version}/predictions/aggregates}), for the predictions whose own
 * time is from {@code from} (inclusive) to {@code to} (exclusive), of {@code deviceId} or, when it
 * is null, of every device; buckets without predictions are left out.
 *
 * @param bucket the bucket width as asked: {@code 1m}, {@code 1h} or {@code 1d}; buckets start at
 *     whole multiples of it since the epoch (UTC)
 */
public record PredictionAggregates(
    String model,
    long version,
    Instant from,
    Instant to,
    String bucket,
    String deviceId,
    List<Bucket> buckets) {
  public PredictionAggregates {
    buckets = List.copyOf(buckets);
  }

  /**
   * One bucket: how many predictions, and their latency in microseconds; the percentiles by nearest
   * rank (the smallest latency that at least that share of the bucket's predictions do not exceed).
   */
  public record Bucket(
      Instant start,
      long count,
      double latencyMeanMicros,
      long latencyMinMicros,
      long latencyP50Micros,
      long latencyP95Micros,
      long latencyP99Micros,
      long latencyMaxMicros) {}
}
