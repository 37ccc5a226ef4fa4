package dev.verge.core.bundle;

/**
 * How far a model's floating-point output may stray from a sample's expected value: {@code |actual
 * - expected| <= absolute + relative * |expected|}, as numpy's {@code allclose} reads it. Integer,
 * boolean and text outputs are compared exactly.
 */
public record Tolerance(double absolute, double relative) {
  /** Loose enough for the float differences between ONNX Runtime builds and CPUs. */
  public static final Tolerance DEFAULT = new Tolerance(1e-5, 1e-4);

  public Tolerance {
    if (!(absolute >= 0) || !(relative >= 0) || Double.isInfinite(absolute + relative)) {
      throw new IllegalArgumentException(
          "tolerance must be finite and not negative, got absolute "
              + absolute
              + ", relative "
              + relative);
    }
  }

  /** Whether {@code actual} is close enough; NaN matches NaN and an infinity only itself. */
  public boolean accepts(double expected, double actual) {
    if (Double.isNaN(expected) || Double.isNaN(actual)) {
      return Double.isNaN(expected) && Double.isNaN(actual);
    }
    if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
      return expected == actual;
    }
    return Math.abs(actual - expected) <= absolute + relative * Math.abs(expected);
  }

  @Override
  public String toString() {
    return "absolute " + absolute + " + relative " + relative;
  }
}
