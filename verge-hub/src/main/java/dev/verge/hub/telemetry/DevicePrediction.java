package dev.verge.hub.telemetry;

/**
 * A stored prediction with the device that made it, as the reads per model version return it;
 * {@code timeMs} is its time as stored (epoch milliseconds), the first part of its page position.
 */
public record DevicePrediction(String deviceId, long timeMs, Prediction prediction) {
  /** Where a page that ends with this prediction resumes. */
  public PageKey key() {
    return new PageKey(timeMs, deviceId, prediction.sequence());
  }
}
