package dev.verge.agent.capture;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How the agent records predictions. Every commit of the store is synced to disk ({@code
 * synchronous=FULL}); the mode says whether the answer waits for it.
 *
 * @param mode when a request is answered relative to its record being durable
 * @param queueCapacity the most records answered and not yet durable: what a kill or a power cut
 *     can lose at most in {@link Mode#BUFFERED}
 * @param whenFull what a request does when that many wait already
 * @param policy what is kept of each model's predictions, unless {@code models} says otherwise
 * @param models per model name, the policy that replaces {@code policy}
 * @param window how long the writer gathers records after the first before it commits them in
 *     {@link Mode#BUFFERED}: with {@code batch}, the window a buffered record waits for its commit
 * @param batch the most records one commit takes; a buffered commit starts as soon as that many are
 *     gathered, before the window ends
 */
public record CaptureConfig(
    Mode mode,
    int queueCapacity,
    WhenFull whenFull,
    CapturePolicy policy,
    Map<String, CapturePolicy> models,
    Duration window,
    int batch) {

  public static final int DEFAULT_QUEUE_CAPACITY = 8192;
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;
  public static final Duration DEFAULT_WINDOW = Duration.ofMillis(10);
  public static final Duration MAX_WINDOW = Duration.ofSeconds(1);
  public static final int DEFAULT_BATCH = 1024;
  public static final int MAX_BATCH = 65_536;

  /** When the answer goes out. */
  public enum Mode {
    /**
     * Answer at once; the writer commits the record, fsynced, within the {@link #window} or as soon
     * as {@link #batch} records are gathered, many records per transaction. A kill or a power cut
     * loses what was not durable yet: at most the queue, while the writer keeps up only the records
     * of the last window and commit.
     */
    BUFFERED,
    /**
     * Answer once the record is committed and synced to disk (still many concurrent requests per
     * transaction): nothing answered is ever lost, at the cost of a commit in the request's time.
     */
    SYNC;

    /**
     * The mode named {@code text}, in any case; {@code async}, its name before durable commits, is
     * read as {@link #BUFFERED}.
     *
     * @throws IllegalArgumentException when it names no mode
     */
    public static Mode of(String text) {
      String name = text.strip().toUpperCase(Locale.ROOT);
      if (name.equals("ASYNC")) {
        return BUFFERED;
      }
      for (Mode m : values()) {
        if (m.name().equals(name)) {
          return m;
        }
      }
      throw new IllegalArgumentException(
          "'" + text + "' is not a capture mode: buffered (also 'async') or sync");
    }
  }

  /** What a request does when the queue holds {@code queueCapacity} records. */
  public enum WhenFull {
    /** Wait for room, so that every answered request is recorded: the writer sets the pace. */
    WAIT,
    /** Answer without recording: the prediction is counted as served and as dropped. */
    DROP
  }

  public CaptureConfig {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(whenFull, "whenFull");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(window, "window");
    models = models == null ? Map.of() : Map.copyOf(models);
    if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
      throw new IllegalArgumentException(
          "capture queue of " + queueCapacity + " records is outside 1-" + MAX_QUEUE_CAPACITY);
    }
    if (window.isNegative() || window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException(
          "capture window of " + window.toMillis() + " ms is outside 0-" + MAX_WINDOW.toMillis());
    }
    if (batch < 1 || batch > MAX_BATCH) {
      throw new IllegalArgumentException(
          "capture batch of " + batch + " records is outside 1-" + MAX_BATCH);
    }
  }

  public CaptureConfig(
      Mode mode,
      int queueCapacity,
      WhenFull whenFull,
      CapturePolicy policy,
      Map<String, CapturePolicy> models) {
    this(mode, queueCapacity, whenFull, policy, models, DEFAULT_WINDOW, DEFAULT_BATCH);
  }

  /**
   * Buffered group commit (10 ms or 1024 records), a queue of 8192, waiting when full, {@link
   * CapturePolicy#DEFAULT}.
   */
  public static CaptureConfig defaults() {
    return new CaptureConfig(
        Mode.BUFFERED,
        DEFAULT_QUEUE_CAPACITY,
        WhenFull.WAIT,
        CapturePolicy.DEFAULT,
        Map.of(),
        DEFAULT_WINDOW,
        DEFAULT_BATCH);
  }

  /** The policy of {@code model}. */
  public CapturePolicy policy(String model) {
    return models.getOrDefault(model, policy);
  }

  public CaptureConfig withMode(Mode value) {
    return new CaptureConfig(value, queueCapacity, whenFull, policy, models, window, batch);
  }

  public CaptureConfig withQueue(int capacity, WhenFull full) {
    return new CaptureConfig(mode, capacity, full, policy, models, window, batch);
  }

  public CaptureConfig withPolicy(CapturePolicy value) {
    return new CaptureConfig(mode, queueCapacity, whenFull, value, models, window, batch);
  }

  public CaptureConfig withModels(Map<String, CapturePolicy> value) {
    return new CaptureConfig(mode, queueCapacity, whenFull, policy, value, window, batch);
  }

  /** Commits after {@code gather} or {@code records} gathered, whichever comes first. */
  public CaptureConfig withWindow(Duration gather, int records) {
    return new CaptureConfig(mode, queueCapacity, whenFull, policy, models, gather, records);
  }
}
