package dev.verge.agent.sync;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
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

  StallWatch(InputStream stream, Duration timeout, LongSupplier progress) {
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
