package dev.verge.agent;

import dev.verge.agent.sync.HubException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The link to the hub of an agent that sleeps between pipeline cycles. Its thread waits, with no
 * time-out, until a cycle (or the start) asks for a pass; a pass then runs its steps in order
 * (sync, forward predictions, forward events) on a thread of its own, bounded by the link time-out:
 * one still running then is interrupted, and what it had not sent stays in the store for the next
 * pass. A step that fails, whatever it throws, is reported and the next step runs; a pass that
 * fails never stops the next. Requests that come while a pass runs are folded into one more pass.
 */
final class LinkPass implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(LinkPass.class.getName());

  /** How long an interrupted pass has to end before the link thread stops waiting for it. */
  static final Duration INTERRUPT_GRACE = Duration.ofSeconds(5);

  /**
   * One thing a pass does. Its action answers why it did not get through (null when it did), or
   * throws: a {@link HubException} when the link is down, anything else is a fault and logged so.
   */
  record Step(String name, Supplier<String> action) {
    Step {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(action, "action");
    }
  }

  /** How one pass ended. */
  sealed interface Outcome {
    /** Every step ran; {@code failures} names those that threw, with why (empty: all reached). */
    record Done(List<String> failures) implements Outcome {}

    /** The pass ran past the link time-out in step {@code step} and was interrupted. */
    record TimedOut(String step) implements Outcome {}

    /** Not run: the pass before, interrupted, has not ended yet. */
    record Skipped() implements Outcome {}
  }

  /** Told when each pass starts and ends (tests watch the link through it). */
  interface Observer {
    Observer NONE = new Observer() {};

    /** On the pass's thread, before its first step. */
    default void started(long pass) {}

    /** On the link thread, once the pass ended or was given up on. */
    default void ended(long pass, Outcome outcome) {}
  }

  private final List<Step> steps;
  private final Duration limit;
  private final Observer observer;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition requested = lock.newCondition();
  private boolean due;
  private volatile boolean closed;
  private volatile Thread thread;
  private volatile Thread running;
  private long passes;
  private String lastFailures = "";

  LinkPass(List<Step> steps, Duration limit, Observer observer) {
    this.steps = List.copyOf(steps);
    this.limit = Objects.requireNonNull(limit, "limit");
    this.observer = Objects.requireNonNull(observer, "observer");
  }

  void start() {
    thread = Thread.ofVirtual().name("verge-link").start(this::loop);
  }

  /** The link thread (tests look at how it waits); null before {@link #start}. */
  Thread thread() {
    return thread;
  }

  /** Asks for a pass as soon as the one running (if any) ends; never blocks. */
  void request() {
    lock.lock();
    try {
      due = true;
      requested.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (!closed) {
      try {
        awaitRequest();
        runPass();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: the link must outlive any one pass.
        LOG.log(System.Logger.Level.ERROR, "link pass failed: " + e, e);
      }
    }
  }

  /** Waits, with no time-out (the agent sleeps here), until a pass is asked for. */
  private void awaitRequest() throws InterruptedException {
    lock.lock();
    try {
      while (!due) {
        requested.await();
      }
      due = false;
    } finally {
      lock.unlock();
    }
  }

  /** Runs one pass now, bounded by the link time-out, and says how it ended. */
  Outcome runPass() throws InterruptedException {
    Thread before = running;
    if (before != null && before.isAlive()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "link pass skipped: the one before, interrupted at the link time-out, has not ended");
      return tell(passes, new Outcome.Skipped());
    }
    long pass = ++passes;
    List<String> failures = new ArrayList<>();
    AtomicReference<String> step = new AtomicReference<>();
    Thread worker =
        Thread.ofVirtual().name("verge-link-pass").unstarted(() -> steps(pass, step, failures));
    running = worker;
    worker.start();
    if (!worker.join(limit)) {
      worker.interrupt();
      String at = step.get();
      LOG.log(
          System.Logger.Level.WARNING,
          "link pass {0} ran past the link time-out of {1} s in step {2}: interrupted; what was"
              + " not sent waits in the store for the next pass",
          pass,
          limit.toSeconds(),
          at);
      worker.join(INTERRUPT_GRACE);
      return tell(pass, new Outcome.TimedOut(at));
    }
    synchronized (failures) {
      report(failures);
      return tell(pass, new Outcome.Done(List.copyOf(failures)));
    }
  }

  private void steps(long pass, AtomicReference<String> step, List<String> failures) {
    try {
      observer.started(pass);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "link pass observer failed: " + e, e);
    }
    for (Step s : steps) {
      if (closed || Thread.currentThread().isInterrupted()) {
        return;
      }
      step.set(s.name());
      try {
        String failed = s.action().get();
        if (failed != null) {
          synchronized (failures) {
            failures.add(s.name() + ": " + failed);
          }
        }
      } catch (Throwable e) {
        // Error included: one step that fails must not keep the others from the link.
        String why = e.getMessage() == null ? e.toString() : e.getMessage();
        synchronized (failures) {
          failures.add(s.name() + ": " + why);
        }
        if (!(e instanceof HubException)) {
          LOG.log(System.Logger.Level.ERROR, "link pass step " + s.name() + " failed: " + e, e);
        }
      }
    }
  }

  /**
   * The hub's failures are said when the steps that fail change, then at debug level: a device
   * offline for a day must not log a warning every cycle.
   */
  private void report(List<String> failures) {
    String steps = failures.stream().map(f -> f.substring(0, f.indexOf(':'))).toList().toString();
    if (!failures.isEmpty()) {
      LOG.log(
          steps.equals(lastFailures) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
          "link pass could not reach the hub ({0}); what was not sent waits for the next pass",
          String.join("; ", failures));
    } else if (!lastFailures.isEmpty()) {
      LOG.log(System.Logger.Level.INFO, "link pass reached the hub again");
    }
    lastFailures = failures.isEmpty() ? "" : steps;
  }

  private Outcome tell(long pass, Outcome outcome) {
    try {
      observer.ended(pass, outcome);
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.WARNING, "link pass observer failed: " + e, e);
    }
    return outcome;
  }

  /** Stops the link thread and interrupts a pass in progress. */
  @Override
  public void close() {
    closed = true;
    Thread worker = running;
    if (worker != null) {
      worker.interrupt();
    }
    dev.verge.agent.internal.BackgroundThreads.stop(thread, "link pass");
  }
}
