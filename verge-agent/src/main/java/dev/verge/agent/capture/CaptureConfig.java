package dev.verge.agent.capture;

import java.util.Map;
import java.util.Objects;

/**
 * How the agent records predictions.
 *
 * @param mode when a request is answered relative to its record being written
 * @param queueCapacity the most records waiting for the writer; the bound of what a kill can lose
 *     in {@link Mode#ASYNC}
 * @param whenFull what a request does when that many wait already
 * @param policy what is kept of each model's predictions, unless {@code models} says otherwise
 * @param models per model name, the policy that replaces {@code policy}
 */
public record CaptureConfig(
    Mode mode,
    int queueCapacity,
    WhenFull whenFull,
    CapturePolicy policy,
    Map<String, CapturePolicy> models) {

  public static final int DEFAULT_QUEUE_CAPACITY = 8192;
  public static final int MAX_QUEUE_CAPACITY = 1_000_000;

  /** When the answer goes out. */
  public enum Mode {
    /**
     * Answer at once; the writer commits the record within a few milliseconds, many records per
     * transaction. A kill loses what had not been committed yet: at most the queue.
     */
    ASYNC,
    /**
     * Answer once the record is committed and synced to disk (still many concurrent requests per
     * transaction): nothing answered is ever lost, at the cost of a commit in the request's time.
     */
    SYNC
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
    models = models == null ? Map.of() : Map.copyOf(models);
    if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
      throw new IllegalArgumentException(
          "capture queue of " + queueCapacity + " records is outside 1-" + MAX_QUEUE_CAPACITY);
    }
  }

  /**
   * Asynchronous group commit, a queue of 8192, waiting when full, {@link CapturePolicy#DEFAULT}.
   */
  public static CaptureConfig defaults() {
    return new CaptureConfig(
        Mode.ASYNC, DEFAULT_QUEUE_CAPACITY, WhenFull.WAIT, CapturePolicy.DEFAULT, Map.of());
  }

  /** The policy of {@code model}. */
  public CapturePolicy policy(String model) {
    return models.getOrDefault(model, policy);
  }

  public CaptureConfig withMode(Mode value) {
    return new CaptureConfig(value, queueCapacity, whenFull, policy, models);
  }

  public CaptureConfig withQueue(int capacity, WhenFull full) {
    return new CaptureConfig(mode, capacity, full, policy, models);
  }

  public CaptureConfig withPolicy(CapturePolicy value) {
    return new CaptureConfig(mode, queueCapacity, whenFull, value, models);
  }

  public CaptureConfig withModels(Map<String, CapturePolicy> value) {
    return new CaptureConfig(mode, queueCapacity, whenFull, policy, value);
  }
}
