package dev.verge.agent.forward;

import java.util.Locale;
import java.util.Objects;

/**
 * How recorded predictions travel to the hub.
 *
 * @param mode whether predictions go at all, or only events and aggregates
 * @param compress whether batches go gzip-compressed (JSON tensors shrink 4-10×)
 * @param maxUploadRate the most bytes a second prediction uploads take of the link, 0 for no cap
 */
public record ForwardConfig(Mode mode, boolean compress, long maxUploadRate) {
  /** What is forwarded. */
  public enum Mode {
    /** Every recorded prediction, in batches, oldest first. */
    ALL,
    /**
     * For links paid per byte: predictions stay on the device; the hub still gets the aggregates
     * (served/failed counters and each version's health figures, in every report) and events. When
     * the store fills, the oldest predictions the hub never got are deleted to make room, so the
     * device keeps its newest ones. Switching back to {@link #ALL} sends what is kept.
     */
    METERED;

    /** {@code all} or {@code metered}, as settings spell it. */
    public static Mode parse(String text) {
      return switch (text.strip().toLowerCase(Locale.ROOT)) {
        case "all" -> ALL;
        case "metered" -> METERED;
        default ->
            throw new IllegalArgumentException(
                "forward mode '" + text + "' is not one of: all, metered");
      };
    }
  }

  public ForwardConfig {
    Objects.requireNonNull(mode, "mode");
    if (maxUploadRate < 0) {
      throw new IllegalArgumentException(
          "the upload cap cannot be negative, got " + maxUploadRate + " bytes/s");
    }
  }

  /** Every prediction, compressed, no cap. */
  public static ForwardConfig defaults() {
    return new ForwardConfig(Mode.ALL, true, 0);
  }

  public ForwardConfig withMode(Mode value) {
    return new ForwardConfig(value, compress, maxUploadRate);
  }

  public ForwardConfig withCompression(boolean value) {
    return new ForwardConfig(mode, value, maxUploadRate);
  }

  public ForwardConfig withMaxUploadRate(long bytesPerSecond) {
    return new ForwardConfig(mode, compress, bytesPerSecond);
  }
}
