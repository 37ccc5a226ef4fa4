package dev.verge.bench.serve;

import java.util.Optional;

/**
 * Whether two contenders computed the same thing: same number of outputs, every value within an
 * absolute tolerance. A benchmark whose contenders disagree measures nothing, so the run stops.
 */
final class OutputCheck {
  /** Softmax outputs in [0, 1]: float rounding across runtimes stays far below this. */
  static final double TOLERANCE = 1e-5;

  private OutputCheck() {}

  /** The largest absolute difference, or a description of why they cannot be compared. */
  static Optional<String> mismatch(String what, float[] expected, float[] actual) {
    if (actual.length != expected.length) {
      return Optional.of(
          what + ": " + actual.length + " output values, the reference " + expected.length);
    }
    for (int i = 0; i < expected.length; i++) {
      double difference = Math.abs((double) actual[i] - expected[i]);
      if (!(difference <= TOLERANCE)) {
        return Optional.of(
            what
                + ": output value "
                + i
                + " is "
                + actual[i]
                + ", the reference "
                + expected[i]
                + " (tolerance "
                + TOLERANCE
                + ")");
      }
    }
    return Optional.empty();
  }

  /** The largest absolute difference between equally long outputs. */
  static double maxDifference(float[] expected, float[] actual) {
    double max = 0;
    for (int i = 0; i < Math.min(expected.length, actual.length); i++) {
      max = Math.max(max, Math.abs((double) actual[i] - expected[i]));
    }
    return max;
  }
}
