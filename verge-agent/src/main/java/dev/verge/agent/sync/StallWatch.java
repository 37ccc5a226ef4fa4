package dev.verge.agent.sync;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Closes a download's stream when it makes no progress for a while: the HTTP client bounds the wait
 * for an answer's headers, not for each read of its body, so a hub or link that stops sending
 * midway would otherwise hold the sync loop for ever. Closing the stream wakes the blocked read.
 */
final class StallWatch implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(StallWatch.class.getName());

  private final Thread thread;
  private volatile boolean stalled;
  private volatile boolean superseded;

  StallWatch(
      InputStream stream, Duration timeout, LongSupplier progress, BooleanSupplier unwanted) {
    long timeoutNanos = timeout.toNanos();
    long tick = Math.max(1, Math.min(timeout.toMillis() / 4, 1_000));
    thread =
        Thread.ofVirtual()
            .name("verge-download-watch")
            .start(
                () -> {
                  long seen = progress.getAsLong();
                  long since = System.nanoTime();
                  try {
                    while (true) {
                      Thread.sleep(tick);
                      if (isUnwanted(unwanted)) {
                        superseded = true;
                        close(stream);
                        return;
                      }
                      long now = progress.getAsLong();
                      if (now != seen) {
                        seen = now;
                        since = System.nanoTime();
                      } else if (System.nanoTime() - since >= timeoutNanos) {
                        stalled = true;
                        close(stream);
                        return;
                      }
                    }
                  } catch (InterruptedException e) {
                    // The download ended.
                  }
                });
  }

  /**
   * Asks whether the download is still wanted; a failure to tell (an Error included) is reported
   * and counts as wanted, so the watch goes on guarding the download against a stall.
   */
  private static boolean isUnwanted(BooleanSupplier unwanted) {
    try {
      return unwanted.getAsBoolean();
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.ERROR, "cannot tell whether a download is still wanted: " + e, e);
      return false;
    }
  }

  /** Whether the watch closed the stream because the download was no longer wanted. */
  boolean superseded() {
    return superseded;
  }

  /** Whether the watch closed the stream because nothing arrived. */
  boolean stalled() {
    return stalled;
  }

  private static void close(InputStream stream) {
    try {
      stream.close();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "closing a stalled download: " + e.getMessage());
    }
  }

  @Override
  public void close() {
    thread.interrupt();
  }
}
