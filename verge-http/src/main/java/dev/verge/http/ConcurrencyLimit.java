package dev.verge.http;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * At most so many requests at once through the handlers it wraps; one more is refused at once with
 * 503 and {@code Retry-After} instead of waiting in a queue, where it would hold its connection and
 * body and time out anyway. The requests already running are not touched.
 */
public final class ConcurrencyLimit {
  /** What a refused client is told to wait before it tries again. */
  public static final long RETRY_AFTER_SECONDS = 1;

  private final int max;
  private final String what;
  private final Semaphore permits;

  /**
   * @param what the requests it counts and the setting that sets {@code max}, for the message
   */
  public ConcurrencyLimit(int max, String what) {
    if (max < 1) {
      throw new IllegalArgumentException("a concurrency limit must be 1 or more, got " + max);
    }
    this.max = max;
    this.what = what;
    this.permits = new Semaphore(max);
  }

  public int max() {
    return max;
  }

  /** How many requests it lets through now. */
  public int running() {
    return max - permits.availablePermits();
  }

  /** {@code handler} run under this limit. */
  public Route.Handler around(Route.Handler handler) {
    return exchange -> {
      if (!permits.tryAcquire()) {
        throw new HttpFailure.Overloaded(
            max
                + " "
                + what
                + " are running, the most this server runs at once; retry after "
                + RETRY_AFTER_SECONDS
                + " s",
            RETRY_AFTER_SECONDS);
      }
      // Given back just before the answer's last byte goes, so that a client that has its answer
      // and calls again finds the slot free; or when the handler ends without answering.
      AtomicBoolean held = new AtomicBoolean(true);
      Runnable release =
          () -> {
            if (held.compareAndSet(true, false)) {
              permits.release();
            }
          };
      exchange.beforeLastByte(release);
      try {
        handler.handle(exchange);
      } finally {
        release.run();
      }
    };
  }
}
