package dev.verge.agent.sync;

import java.time.Duration;
import java.util.Objects;

/**
 * What a bundle download and the model it brings may take.
 *
 * @param idleTimeout a download that receives no byte for this long is given up (its part kept), so
 *     a body that stops midway without closing never holds the sync loop
 * @param maxBytesPerSecond the cap on what downloads read from the link, all at once together; 0
 *     for none
 * @param maxModelBytes the largest model the agent loads: its bytes are held on the heap while ONNX
 *     Runtime builds the session, so a larger one is refused with a reason instead of loaded
 */
public record DownloadLimits(Duration idleTimeout, long maxBytesPerSecond, long maxModelBytes) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** The default model limit is this share of the heap (a quarter). */
  static final int HEAP_SHARE = 4;

  /** The default model limit is never below this. */
  public static final long MIN_DEFAULT_MODEL_BYTES = 16L * 1024 * 1024;

  public DownloadLimits {
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException(
          "the download idle time-out must be positive, got " + idleTimeout);
    }
    if (maxBytesPerSecond < 0) {
      throw new IllegalArgumentException(
          "the download rate cap cannot be negative, got " + maxBytesPerSecond + " bytes/s");
    }
    if (maxModelBytes < 1) {
      throw new IllegalArgumentException(
          "the model size limit must be 1 byte or more, got " + maxModelBytes);
    }
  }

  /** A 30 s idle time-out, no rate cap, models up to a quarter of this JVM's heap. */
  public static DownloadLimits defaults() {
    return forHeap(Runtime.getRuntime().maxMemory());
  }

  /** The defaults for a heap of {@code heapBytes}. */
  public static DownloadLimits forHeap(long heapBytes) {
    return new DownloadLimits(
        DEFAULT_IDLE_TIMEOUT, 0, Math.max(MIN_DEFAULT_MODEL_BYTES, heapBytes / HEAP_SHARE));
  }

  public DownloadLimits withIdleTimeout(Duration value) {
    return new DownloadLimits(value, maxBytesPerSecond, maxModelBytes);
  }

  public DownloadLimits withMaxBytesPerSecond(long value) {
    return new DownloadLimits(idleTimeout, value, maxModelBytes);
  }

  public DownloadLimits withMaxModelBytes(long value) {
    return new DownloadLimits(idleTimeout, maxBytesPerSecond, value);
  }
}
