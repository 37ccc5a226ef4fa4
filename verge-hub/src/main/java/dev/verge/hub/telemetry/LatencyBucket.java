package dev.verge.hub.telemetry;

import java.time.Instant;

/**
 * A model version's predictions whose time falls in one bucket starting at {@code start}: how many,
 * and their latency in microseconds (the sum, for the mean; the percentiles by nearest rank: the
 * smallest latency at least that share of the bucket's predictions have).
 */
public record LatencyBucket(
    Instant start,
    long count,
    long minMicros,
    long maxMicros,
    long sumMicros,
    long p50Micros,
    long p95Micros,
    long p99Micros) {}
