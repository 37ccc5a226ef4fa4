package dev.verge.agent.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * The one exponential back-off every agent loop uses: the first wait after one failure, doubled per
 * further failure up to a cap, each wait spread by ±{@link #JITTER} so a fleet that lost its hub
 * together does not come back together.
 *
 * <p>Immutable; {@link #delay(int)} is a pure function of the count of failures in a row, so a loop
 * keeps its own count (or a {@link Tries}) and resets it when a try succeeds or makes progress.
 */
public final class Backoff {
  /** Each wait is drawn from {@code [w·(1−JITTER), w·(1+JITTER)]}. */
  public static final double JITTER = 0.2;

  private final Duration first;
  private final Duration max;
  private final DoubleSupplier random;

  /**
   * @param first the wait after the first failure
   * @param max no wait before jitter is longer
   */
  public Backoff(Duration first, Duration max) {
    this(first, max, Math::random);
  }

  /** As {@link #Backoff(Duration, Duration)}, drawing jitter from {@code random} in [0, 1). */
  public Backoff(Duration first, Duration max, DoubleSupplier random) {
    this.first = Objects.requireNonNull(first, "first");
    this.max = Objects.requireNonNull(max, "max");
    this.random = Objects.requireNonNull(random, "random");
    if (first.isNegative() || first.isZero()) {
      throw new IllegalArgumentException("first back-off must be positive, got " + first);
    }
    if (max.compareTo(first) < 0) {
      throw new IllegalArgumentException("back-off cap " + max + " is below its first " + first);
    }
  }

  /**
   * The wait after {@code failures} failures in a row (1 for the first): {@code first · 2^(n−1)},
   * at most {@code max}, with jitter; zero for none.
   */
  public Duration delay(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    return jittered(ceiling(failures));
  }

  /** The wait before jitter after {@code failures} failures in a row. */
  public Duration ceiling(int failures) {
    if (failures <= 0) {
      return Duration.ZERO;
    }
    long firstMillis = first.toMillis();
    long maxMillis = max.toMillis();
    int doublings = Math.min(failures - 1, 62);
    long millis =
        firstMillis > (maxMillis >> doublings)
            ? maxMillis
            : Math.min(maxMillis, firstMillis << doublings);
    return Duration.ofMillis(Math.max(1, millis));
  }

  private Duration jittered(Duration wait) {
    double factor = 1 - JITTER + 2 * JITTER * random.getAsDouble();
    return Duration.ofMillis(Math.max(1, Math.round(wait.toMillis() * factor)));
  }

  public Duration first() {
    return first;
  }

  public Duration max() {
    return max;
  }

  /** A new count of failures in a row on this back-off, for a loop's own use. */
  public Tries tries() {
    return new Tries(this);
  }

  /**
   * Failures in a row of one loop: {@link #failed()} gives the next wait, {@link #reset()} ends.
   */
  public static final class Tries {
    private final Backoff backoff;
    private int failures;

    private Tries(Backoff backoff) {
      this.backoff = backoff;
    }

    /** Counts one more failure and returns how long to wait before the next try. */
    public Duration failed() {
      if (failures < Integer.MAX_VALUE) {
        failures++;
      }
      return backoff.delay(failures);
    }

    /** A try succeeded or made progress: the next failure waits {@code first} again. */
    public void reset() {
      failures = 0;
    }

    public int failures() {
      return failures;
    }
  }
}
