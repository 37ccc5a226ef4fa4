package dev.verge.agent.sync;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Objects;

/**
 * What a bundle download and the model it brings may take.
 *
 * @param idleTimeout a download that receives no byte for this long is given up (its part kept), so
 *     a body that stops midway without closing never holds the sync loop
 * @param maxBytesPerSecond the cap on what downloads read from the link, all at once together; 0
 *     for none
 * @param maxModelBytes the largest model the agent loads: its bytes are held in direct memory (off
 *     the heap, within {@code -XX:MaxDirectMemorySize}, by default the heap's size) while ONNX
 *     Runtime builds the session, so a larger one is refused with a reason instead of loaded
 */
public record DownloadLimits(Duration idleTimeout, long maxBytesPerSecond, long maxModelBytes) {
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);

  /** The default model limit is this share of the direct-memory limit (a half). */
  static final int DIRECT_MEMORY_SHARE = 2;

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

  /** A 30 s idle time-out, no rate cap, models up to half this JVM's direct-memory limit. */
  public static DownloadLimits defaults() {
    return forDirectMemory(directMemoryLimit());
  }

  /** The defaults for a direct-memory limit of {@code bytes}. */
  public static DownloadLimits forDirectMemory(long bytes) {
    return new DownloadLimits(
        DEFAULT_IDLE_TIMEOUT, 0, Math.max(MIN_DEFAULT_MODEL_BYTES, bytes / DIRECT_MEMORY_SHARE));
  }

  /**
   * The most direct memory this JVM gives: {@code -XX:MaxDirectMemorySize} when set, else (as the
   * JVM does) the heap's maximum.
   */
  public static long directMemoryLimit() {
    try {
      String value =
          ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
              .getVMOption("MaxDirectMemorySize")
              .getValue();
      long set = Long.parseLong(value);
      if (set > 0) {
        return set;
      }
    } catch (RuntimeException e) {
      // Not a HotSpot JVM, or no such option: the JVM's own default below.
    }
    return Runtime.getRuntime().maxMemory();
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
