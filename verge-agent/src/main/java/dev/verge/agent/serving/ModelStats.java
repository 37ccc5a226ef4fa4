package dev.verge.agent.serving;

import dev.verge.agent.serving.ModelStatistics.InferenceStats;
import dev.verge.agent.serving.ModelStatistics.StatDuration;
import dev.verge.agent.serving.ModelStatistics.VersionStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.LongAdder;

/** Per model version, counts and cumulative durations of successful and failed inferences. */
final class ModelStats {
  private final Map<String, Map<Long, Counter>> byModel = new ConcurrentHashMap<>();

  /**
   * Where a successful call's time went, as Triton's statistics split it (nanoseconds).
   *
   * @param input decoding the request into tensors (with the lease)
   * @param infer running the model, outputs included
   * @param output what follows the run in the serving core: recording the prediction
   */
  record Phases(long input, long infer, long output) {
    static final Phases UNKNOWN = new Phases(0, 0, 0);
  }

  void success(String model, long version, long nanos) {
    success(model, version, nanos, Phases.UNKNOWN);
  }

  void success(String model, long version, long nanos, Phases phases) {
    counter(model, version).success(nanos, phases);
  }

  void failure(String model, long version, long nanos) {
    counter(model, version).add(false, nanos);
  }

  /** The models any request has been counted for, by name. */
  java.util.Set<String> models() {
    return new java.util.TreeSet<>(byModel.keySet());
  }

  /** Whether any request has been counted for {@code model}. */
  boolean knows(String model) {
    return byModel.containsKey(model);
  }

  /**
   * The statistics of {@code model}: of {@code version} only when given, and with zeros for the
   * active version when no request has reached it yet.
   */
  ModelStatistics of(String model, Long version, Long activeVersion) {
    Map<Long, Counter> versions = byModel.getOrDefault(model, Map.of());
    List<VersionStats> stats = new ArrayList<>();
    for (Map.Entry<Long, Counter> entry : new ConcurrentSkipListMap<>(versions).entrySet()) {
      if (version == null || version.equals(entry.getKey())) {
        stats.add(entry.getValue().snapshot(model, entry.getKey()));
      }
    }
    Long wanted = version == null ? activeVersion : version;
    if (wanted != null && !versions.containsKey(wanted) && wanted.equals(activeVersion)) {
      stats.add(new Counter().snapshot(model, wanted));
    }
    return new ModelStatistics(stats);
  }

  private Counter counter(String model, long version) {
    return byModel
        .computeIfAbsent(model, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(version, v -> new Counter());
  }

  private static final class Counter {
    private final LongAdder successCount = new LongAdder();
    private final LongAdder successNanos = new LongAdder();
    private final LongAdder failCount = new LongAdder();
    private final LongAdder failNanos = new LongAdder();
    private final LongAdder inputNanos = new LongAdder();
    private final LongAdder inferNanos = new LongAdder();
    private final LongAdder outputNanos = new LongAdder();
    private volatile long lastInferenceMillis;

    void success(long nanos, Phases phases) {
      inputNanos.add(phases.input());
      inferNanos.add(phases.infer());
      outputNanos.add(phases.output());
      add(true, nanos);
    }

    void add(boolean success, long nanos) {
      if (success) {
        successCount.increment();
        successNanos.add(nanos);
      } else {
        failCount.increment();
        failNanos.add(nanos);
      }
      lastInferenceMillis = System.currentTimeMillis();
    }

    VersionStats snapshot(String model, long version) {
      long successes = successCount.sum();
      return new VersionStats(
          model,
          Long.toString(version),
          lastInferenceMillis,
          successes,
          successes,
          new InferenceStats(
              new StatDuration(successes, successNanos.sum()),
              new StatDuration(failCount.sum(), failNanos.sum()),
              // No queue: a call runs on the thread that received it.
              new StatDuration(successes, 0),
              new StatDuration(successes, inputNanos.sum()),
              new StatDuration(successes, inferNanos.sum()),
              new StatDuration(successes, outputNanos.sum())));
    }
  }
}
