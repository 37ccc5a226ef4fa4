package dev.verge.agent.pipeline;

import java.io.IOException;
import java.util.List;

/** Reads one cycle's readings from a {@link Source}. */
interface SourceReader extends AutoCloseable {
  /**
   * What one cycle read. {@code commit} is run once every reading's prediction is in the local
   * store: only then does the source move on (a file's position saved, a folder's file moved), so a
   * crash before it reads them again rather than losing them.
   */
  record Batch(List<Reading> readings, List<String> rejected, Runnable commit, boolean more) {
    static final Runnable NOTHING = () -> {};

    public Batch {
      readings = List.copyOf(readings);
      rejected = List.copyOf(rejected);
    }

    static Batch of(List<Reading> readings) {
      return new Batch(readings, List.of(), NOTHING, false);
    }
  }

  /** Up to {@code max} readings. */
  Batch read(int max) throws IOException, InterruptedException;

  @Override
  default void close() {}
}
