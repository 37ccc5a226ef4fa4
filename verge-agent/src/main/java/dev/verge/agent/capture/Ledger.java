package dev.verge.agent.capture;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What capture owes the store, so that counters read while records are in flight add up: a record
 * is accepted when it enters the queue and settled when it is committed or dropped; answers without
 * a record (sampled out, dropped) and failures are counted here until the writer adds them to the
 * store in its next transaction. The writer commits under {@link #lock}, and {@link #counters}
 * reads under it, so a commit is never seen both here and in the store.
 */
final class Ledger {
  final ReentrantLock lock = new ReentrantLock();
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong settled = new AtomicLong();
  final AtomicLong unrecordedServed = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  private final Object progress = new Object();

  /** The store's counters plus what is still on its way there. */
  Counters counters(AgentStore store) {
    lock.lock();
    try {
      Counters stored = store.counters();
      long inFlight = accepted.get() - settled.get();
      return new Counters(
          stored.served() + inFlight + unrecordedServed.get(),
          stored.failed() + failed.get(),
          stored.pending() + inFlight);
    } finally {
      lock.unlock();
    }
  }

  /** Writes the counts gathered so far alone, in one transaction; they stay here if it fails. */
  void writeCounts(AgentStore store) {
    lock.lock();
    try {
      long unrecorded = unrecordedServed.getAndSet(0);
      long failures = failed.getAndSet(0);
      try {
        store.recordAll(java.util.List.of(), unrecorded, failures);
      } catch (RuntimeException | Error e) {
        unrecordedServed.addAndGet(unrecorded);
        failed.addAndGet(failures);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  boolean owesCounts() {
    return unrecordedServed.get() > 0 || failed.get() > 0;
  }

  void settle(int records) {
    settled.addAndGet(records);
    synchronized (progress) {
      progress.notifyAll();
    }
  }

  /** Waits until every record accepted before the call is settled; false when time ran out. */
  boolean awaitSettled(long deadlineNanos) throws InterruptedException {
    long target = accepted.get();
    synchronized (progress) {
      while (settled.get() < target) {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        progress.wait(Math.max(1, left / 1_000_000));
      }
    }
    return true;
  }
}
