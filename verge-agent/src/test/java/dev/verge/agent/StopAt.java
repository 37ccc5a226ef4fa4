package dev.verge.agent;

import dev.verge.agent.store.InstallStep;
import dev.verge.agent.sync.InstallObserver;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Stops an install right after one step is in the journal, as a kill or a power cut would: the
 * installing thread waits there until the agent is closed (which interrupts it) and then ends with
 * an {@link Error} no install code catches, so nothing after that step runs. With {@link #hold} it
 * waits until {@link #release} instead and goes on. Every step seen is recorded.
 */
final class StopAt implements InstallObserver {
  /** What the stopped thread ends with: like a kill, nothing handles it. */
  static final class Killed extends Error {
    Killed() {
      super("stopped by the test", null, false, false);
    }
  }

  private final String model;
  private final long version;
  private final InstallStep step;
  private final boolean kill;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch released = new CountDownLatch(1);
  final List<String> seen = new CopyOnWriteArrayList<>();

  private StopAt(String model, long version, InstallStep step, boolean kill) {
    this.model = model;
    this.version = version;
    this.step = step;
    this.kill = kill;
  }

  /** Kills the install of {@code model} v{@code version} once {@code step} is journaled. */
  static StopAt kill(String model, long version, InstallStep step) {
    return new StopAt(model, version, step, true);
  }

  /** Holds the install there until {@link #release}. */
  static StopAt hold(String model, long version, InstallStep step) {
    return new StopAt(model, version, step, false);
  }

  /** Only records the steps. */
  static StopAt never() {
    return new StopAt("", -1, null, false);
  }

  @Override
  public void reached(String model, long version, InstallStep step) {
    seen.add(model + " v" + version + " " + step);
    if (!model.equals(this.model) || version != this.version || step != this.step) {
      return;
    }
    reached.countDown();
    try {
      if (kill) {
        new CountDownLatch(1).await(); // Until the agent closes and interrupts the loop.
      } else if (!released.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never released " + step);
      }
    } catch (InterruptedException e) {
      throw new Killed();
    }
    if (kill) {
      throw new Killed();
    }
  }

  void awaitReached() {
    try {
      if (!reached.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError(model + " v" + version + " never reached " + step + ": " + seen);
      }
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  void release() {
    released.countDown();
  }
}
