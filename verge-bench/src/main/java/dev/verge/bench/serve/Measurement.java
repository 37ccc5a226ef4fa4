package dev.verge.bench.serve;

/**
 * What one contender did in one case: requests answered in the measured time, their latency
 * percentiles, and the calls that failed (any failure makes the figure suspect; the table shows
 * it).
 */
record Measurement(long requests, double seconds, double p50Micros, double p99Micros, long errors) {
  double requestsPerSecond() {
    return seconds <= 0 ? 0 : requests / seconds;
  }

  double inferencesPerSecond(int batch) {
    return requestsPerSecond() * batch;
  }
}
