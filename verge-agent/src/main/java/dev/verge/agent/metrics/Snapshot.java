package dev.verge.agent.metrics;

import java.util.function.Supplier;

/**
 * A value read at most once per scrape: the store gauges share one read of the store instead of one
 * read each. The scrape calls {@link #invalidate} first, so every page shows the state at its own
 * time.
 */
final class Snapshot<T> implements Supplier<T> {
  private final Supplier<T> read;
  private T value;

  Snapshot(Supplier<T> read) {
    this.read = read;
  }

  @Override
  public synchronized T get() {
    if (value == null) {
      value = read.get();
    }
    return value;
  }

  synchronized void invalidate() {
    value = null;
  }
}
