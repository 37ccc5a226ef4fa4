package dev.verge.agent.capture;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * At most {@code perSecond} admissions a second, with bursts of up to one second's worth, without a
 * lock: the generic cell rate algorithm, one compare-and-set per admission. Each admission moves a
 * theoretical arrival time on by one interval; an admission is refused while that time lies more
 * than a second ahead of now.
 */
final class RateLimit {
  private static final long SECOND = 1_000_000_000L;

  private final long interval;
  private final LongSupplier nanoTime;
  private final AtomicLong theoretical;

  RateLimit(int perSecond, LongSupplier nanoTime) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("a rate limit needs 1 or more a second, got " + perSecond);
    }
    this.interval = SECOND / perSecond;
    this.nanoTime = nanoTime;
    this.theoretical = new AtomicLong(nanoTime.getAsLong() - SECOND);
  }

  /** Whether one more fits now; if so it is counted. */
  boolean admit() {
    long now = nanoTime.getAsLong();
    while (true) {
      long current = theoretical.get();
      long start = Math.max(current, now - SECOND);
      long next = start + interval;
      if (next - now > 0) {
        return false;
      }
      if (theoretical.compareAndSet(current, next)) {
        return true;
      }
    }
  }
}
