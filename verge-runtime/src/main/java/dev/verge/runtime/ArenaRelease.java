package dev.verge.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Which runs hand the free regions of ONNX Runtime's CPU arena back to the C allocator ({@code
 * memory.enable_memory_arena_shrinkage}). The arena keeps what a run allocated for the next, which
 * is what makes repeated runs fast (the MNIST CNN at batch 64: ~8% faster than through malloc), but
 * it would also keep the peak of one large request for good. So a run whose inputs reach {@link
 * #LARGE_INPUT_BYTES}, and the first run {@link #INTERVAL} after the last release, release: serving
 * at a steady batch size faults its intermediates in again at most once per interval.
 */
final class ArenaRelease implements AutoCloseable {
  static final long LARGE_INPUT_BYTES = 4L * 1024 * 1024;
  static final Duration INTERVAL = Duration.ofSeconds(10);

  private final OrtSession.RunOptions keeping;
  private final OrtSession.RunOptions releasing;
  private final long intervalNanos;
  private final AtomicLong lastRelease = new AtomicLong(System.nanoTime());

  ArenaRelease(boolean arena) throws OrtException {
    this(arena, INTERVAL);
  }

  /**
   * @param arena whether the session has an arena at all; without one every run is plain
   * @param interval how long after a release the next run releases again
   */
  ArenaRelease(boolean arena, Duration interval) throws OrtException {
    intervalNanos = interval.toNanos();
    keeping = new OrtSession.RunOptions();
    if (arena) {
      releasing = new OrtSession.RunOptions();
      releasing.addRunConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
    } else {
      releasing = keeping;
    }
  }

  /** The options of a run whose inputs hold {@code inputBytes}. */
  OrtSession.RunOptions forRun(long inputBytes) {
    long now = System.nanoTime();
    long last = lastRelease.get();
    if (inputBytes >= LARGE_INPUT_BYTES) {
      lastRelease.set(now);
      return releasing;
    }
    if (now - last >= intervalNanos && lastRelease.compareAndSet(last, now)) {
      return releasing;
    }
    return keeping;
  }

  /** Whether the run given {@code options} releases the arena's free regions. */
  boolean releases(OrtSession.RunOptions options) {
    return options == releasing && releasing != keeping;
  }

  @Override
  public void close() {
    keeping.close();
    if (releasing != keeping) {
      releasing.close();
    }
  }
}
