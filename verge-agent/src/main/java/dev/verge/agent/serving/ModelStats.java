package dev.verge.agent.serving;

import dev.verge.agent.serving.ModelStatistics.InferenceStats;
import dev.verge.agent.serving.ModelStatistics.StatDuration;
import dev.verge.agent.serving.ModelStatistics.VersionStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per model version, counts and cumulative durations of successful and failed inferences and of
 * their phases (queue, input, infer, output), as the statistics extension reports them.
 */
final class ModelStats {
  private final Map<String, Map<Long, Counter>> byModel = new ConcurrentHashMap<>();

  /** The durations of one successful request's phases, in nanoseconds. */
  record Phases(long queue, long input, long infer, long output) {}

  void success(String model, long version, long nanos, Phases phases) {
    counter(model, version).success(nanos, phases);
  }

  void failure(String model, long version, long nanos) {
    counter(model, version).failure(nanos);
  }

  /** Whether any request has been counted for {@code model}. */
  boolean knows(String model) {
    return byModel.containsKey(model);
  }

  /**
   * The statistics of {@code model}: of {@code version} only when given, and with zeros for each
   * served version no request has reached yet.
   *
   * @param served the versions of the model that serve now, the default and those beside it
   */
  ModelStatistics of(String model, Long version, Set<Long> served) {
    return new ModelStatistics(versions(model, version, served));
  }

  /** The statistics of every model counted or served, by name then version. */
  ModelStatistics all(Map<String, ? extends Set<Long>> served) {
    Map<String, Set<Long>> models = new TreeMap<>();
    byModel.keySet().forEach(name -> models.put(name, Set.of()));
    models.putAll(served);
    List<VersionStats> stats = new ArrayList<>();
    models.forEach((name, versions) -> stats.addAll(versions(name, null, versions)));
    return new ModelStatistics(stats);
  }

  private List<VersionStats> versions(String model, Long version, Set<Long> served) {
    Map<Long, Counter> counted = byModel.getOrDefault(model, Map.of());
    Map<Long, Counter> versions = new TreeMap<>(counted);
    for (Long v : served) {
      versions.putIfAbsent(v, null);
    }
    List<VersionStats> stats = new ArrayList<>();
    for (Map.Entry<Long, Counter> entry : versions.entrySet()) {
      if (version == null || version.equals(entry.getKey())) {
        Counter counter = entry.getValue() == null ? new Counter() : entry.getValue();
        stats.add(counter.snapshot(model, entry.getKey()));
      }
    }
    return stats;
  }

  private Counter counter(String model, long version) {
    // Looked up on every request: a plain get first, the computing lookup only the first time.
    Map<Long, Counter> versions = byModel.get(model);
    if (versions == null) {
      versions = byModel.computeIfAbsent(model, m -> new ConcurrentHashMap<>());
    }
    Counter counter = versions.get(version);
    return counter != null ? counter : versions.computeIfAbsent(version, v -> new Counter());
  }

  /** A count and a sum of nanoseconds, safe to add to from many threads. */
  private static final class Tally {
    private final LongAdder count = new LongAdder();
    private final LongAdder nanos = new LongAdder();

    void add(long ns) {
      count.increment();
      nanos.add(ns);
    }

    StatDuration snapshot() {
      return new StatDuration(count.sum(), nanos.sum());
    }
  }

  private static final class Counter {
    private final Tally success = new Tally();
    private final Tally fail = new Tally();
    private final Tally queue = new Tally();
    private final Tally input = new Tally();
    private final Tally infer = new Tally();
    private final Tally output = new Tally();
    private volatile long lastInferenceMillis;

    void success(long nanos, Phases phases) {
      success.add(nanos);
      queue.add(phases.queue());
      input.add(phases.input());
      infer.add(phases.infer());
      output.add(phases.output());
      lastInferenceMillis = System.currentTimeMillis();
    }

    void failure(long nanos) {
      fail.add(nanos);
      lastInferenceMillis = System.currentTimeMillis();
    }

    VersionStats snapshot(String model, long version) {
      StatDuration successes = success.snapshot();
      return new VersionStats(
          model,
          Long.toString(version),
          lastInferenceMillis,
          successes.count(),
          successes.count(),
          new InferenceStats(
              successes,
              fail.snapshot(),
              queue.snapshot(),
              input.snapshot(),
              infer.snapshot(),
              output.snapshot()));
    }
  }
}
