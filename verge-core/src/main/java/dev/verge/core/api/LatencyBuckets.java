package dev.verge.core.api;

import java.util.List;

/**
 * The fixed latency histogram agents report per model version ({@link VersionStats#latency}), so
 * the hub can add histograms of many devices and read quantiles from the sum. Bucket {@code i}
 * counts requests that took at most {@code UPPER_MICROS.get(i)} microseconds and more than the
 * bucket before; the last bucket counts everything slower than the last bound.
 */
public final class LatencyBuckets {
  /** Upper bounds of every bucket but the last, in microseconds: 50 µs to 10 s. */
  public static final List<Long> UPPER_MICROS =
      List.of(
          50L,
          100L,
          250L,
          500L,
          1_000L,
          2_500L,
          5_000L,
          10_000L,
          25_000L,
          50_000L,
          100_000L,
          250_000L,
          500_000L,
          1_000_000L,
          2_500_000L,
          10_000_000L);

  /** The number of buckets: one per bound, and one for slower requests. */
  public static final int COUNT = UPPER_MICROS.size() + 1;

  private LatencyBuckets() {}

  /** The bucket a request of {@code micros} falls in. */
  public static int index(long micros) {
    for (int i = 0; i < UPPER_MICROS.size(); i++) {
      if (micros <= UPPER_MICROS.get(i)) {
        return i;
      }
    }
    return UPPER_MICROS.size();
  }

  /**
   * The {@code q}-quantile (0 to 1) in milliseconds, interpolated linearly inside its bucket (the
   * slowest bucket reads as its lower bound); null when the histogram is empty.
   *
   * @param counts one count per bucket, as {@link VersionStats#latency} holds them
   */
  public static Double quantileMillis(List<Long> counts, double q) {
    if (q < 0 || q > 1) {
      throw new IllegalArgumentException("a quantile is from 0 to 1, got " + q);
    }
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    if (total == 0) {
      return null;
    }
    double rank = q * total;
    long seen = 0;
    for (int i = 0; i < counts.size(); i++) {
      long inBucket = counts.get(i);
      if (inBucket > 0 && seen + inBucket >= rank) {
        double lower = i == 0 ? 0 : UPPER_MICROS.get(i - 1);
        if (i >= UPPER_MICROS.size()) {
          return lower / 1000.0;
        }
        double upper = UPPER_MICROS.get(i);
        double within = (rank - seen) / inBucket;
        return (lower + within * (upper - lower)) / 1000.0;
      }
      seen += inBucket;
    }
    return UPPER_MICROS.getLast() / 1000.0;
  }
}
