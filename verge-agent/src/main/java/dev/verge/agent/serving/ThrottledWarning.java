package dev.verge.agent.serving;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A warning that may repeat on every request: logged in full the first time, then at most once per
 * interval, saying how many were left out. A model that fails on every request cannot flood the
 * device's log (or fill its disk) this way, and the operator still sees that it keeps failing.
 */
final class ThrottledWarning {
  private final System.Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private boolean logged;
  private long quietUntil;
  private long leftOut;

  ThrottledWarning(System.Logger log, Duration interval, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  synchronized void warn(String message, Throwable failure) {
    long now = nanoTime.getAsLong();
    if (logged && now - quietUntil < 0) {
      leftOut++;
      return;
    }
    if (leftOut == 0) {
      log.log(System.Logger.Level.WARNING, message, failure);
    } else {
      log.log(
          System.Logger.Level.WARNING,
          message
              + " ("
              + leftOut
              + " more like it in the last "
              + Duration.ofNanos(intervalNanos).toSeconds()
              + " s were not logged)");
    }
    logged = true;
    leftOut = 0;
    quietUntil = now + intervalNanos;
  }
}
