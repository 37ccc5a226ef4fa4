package dev.verge.hub.device;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tells a device's waiting long polls that its desired state may have changed, so they re-read it
 * then instead of on a timer. Per device: a signal wakes only that device's polls, however many
 * devices wait. A signal that comes between a poll's read and its wait is not lost, because the
 * poll takes its latch before it reads.
 */
public final class DesiredChanges {
  private final Map<String, CountDownLatch> latches = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /** The device's desired state may differ from what its polls last read. */
  public void signal(String deviceId) {
    CountDownLatch latch = latches.remove(deviceId);
    if (latch != null) {
      latch.countDown();
    }
  }

  /** Take before reading the state; then {@link #await} returns early on a later signal. */
  CountDownLatch latch(String deviceId) {
    return latches.computeIfAbsent(deviceId, id -> new CountDownLatch(1));
  }

  /**
   * Waits for a signal on {@code latch}, at most {@code nanos}.
   *
   * @return true when waiting should end for good: closing, or interrupted
   */
  boolean await(CountDownLatch latch, long nanos) {
    if (closed) {
      return true;
    }
    try {
      latch.await(nanos, TimeUnit.NANOSECONDS);
      return closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Ends every wait now, and every later one at once. */
  void close() {
    closed = true;
    latches.values().forEach(CountDownLatch::countDown);
    latches.clear();
  }
}
