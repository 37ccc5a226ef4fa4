package dev.verge.agent.sync;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A wake-up call for one sleeping loop: {@link #wake()} from any thread ends the current or the
 * next {@link #sleep}. A wake that comes while the loop is busy (mid-cycle) is kept, not lost, and
 * any number of wakes before the next sleep count as one.
 */
final class Wakeup {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition woken = lock.newCondition();
  private boolean pending;

  /** Ends the current sleep, or the next one at once. */
  void wake() {
    lock.lock();
    try {
      pending = true;
      woken.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sleeps until woken or until {@code timeout} passes, and takes the wake.
   *
   * @return whether a wake (pending or new) ended it; false when the time-out did
   * @throws InterruptedException when the thread is interrupted (the loop closes)
   */
  boolean sleep(Duration timeout) throws InterruptedException {
    long nanos = Math.max(0, timeout.toNanos());
    lock.lock();
    try {
      while (!pending && nanos > 0) {
        nanos = woken.awaitNanos(nanos);
      }
      boolean wasWoken = pending;
      pending = false;
      return wasWoken;
    } finally {
      lock.unlock();
    }
  }

  /** Drops a pending wake: the cycle about to start covers it. */
  void clear() {
    lock.lock();
    try {
      pending = false;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public String toString() {
    lock.lock();
    try {
      return "Wakeup[pending=" + pending + "]";
    } finally {
      lock.unlock();
    }
  }
}
