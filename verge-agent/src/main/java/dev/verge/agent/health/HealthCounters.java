package dev.verge.agent.health;

import dev.verge.agent.store.VersionTally;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.VersionStats;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.LoadedModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * How each model's active version behaves since it was activated: the counters the hub's rollout
 * gates read ({@link VersionStats}). The serving path only adds to striped counters (no lock, no
 * allocation); activating a version starts its counters from zero, and {@link #tallies} / the
 * constructor carry them across a restart through the agent's store.
 *
 * <p>What counts: {@code requests} every request that reached the version, {@code errors} those
 * that failed inside the model (the engine), not those refused for bad input; the latency histogram
 * and the output means cover successful requests. Output means are kept for the first {@value
 * #MAX_OUTPUTS} numeric outputs, per column of the last dimension (a rank-0 or rank-1 output is one
 * column), for the first {@value #MAX_COLUMNS} columns, over finite values.
 */
public final class HealthCounters {
  public static final int MAX_OUTPUTS = 4;
  public static final int MAX_COLUMNS = 8;

  /** How long a model that does not serve has been idle. */
  public static final Duration FOREVER = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);

  private final Clock clock;
  private final long startedMillis;
  private final Map<String, Tally> byModel = new ConcurrentHashMap<>();
  private final Map<String, VersionTally> saved = new ConcurrentHashMap<>();

  /**
   * Counters that go on from {@code saved} (what the store kept) for each model whose version is
   * {@link #restored} with the same version.
   */
  public HealthCounters(Clock clock, List<VersionTally> saved) {
    this.clock = clock;
    this.startedMillis = clock.millis();
    for (VersionTally tally : saved) {
      this.saved.put(tally.model(), tally);
    }
  }

  /** {@code model} now serves, activated by {@code deploymentId}: its counters start at zero. */
  public void activated(LoadedModel model, Long deploymentId) {
    activated(model.name(), model.version(), model.outputs(), deploymentId);
  }

  /**
   * Version {@code version} of {@code model}, whose outputs are {@code outputs}, now serves: its
   * counters start at zero. The counters need only the signature, not the loaded model.
   */
  public void activated(String model, long version, List<TensorSpec> outputs, Long deploymentId) {
    saved.remove(model);
    // Millisecond precision: what the store keeps, so a restart reports the same instant.
    Instant now = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    byModel.put(model, new Tally(model, version, outputs, deploymentId, now, clock.millis()));
  }

  /**
   * {@code model} serves again after a restart: its saved counters go on when they are of this
   * version, else they start at zero with no known deployment.
   */
  public void restored(LoadedModel model) {
    restored(model.name(), model.version(), model.outputs());
  }

  /** As {@link #restored(LoadedModel)}, from the model's signature. */
  public void restored(String model, long version, List<TensorSpec> outputs) {
    VersionTally kept = saved.remove(model);
    Tally tally;
    if (kept != null && kept.version() == version) {
      tally =
          new Tally(
              model, version, outputs, kept.deploymentId(), kept.activatedAt(), clock.millis());
      tally.add(kept);
    } else {
      tally =
          new Tally(
              model,
              version,
              outputs,
              null,
              clock.instant().truncatedTo(ChronoUnit.MILLIS),
              clock.millis());
    }
    byModel.put(model, tally);
  }

  /** {@code model} no longer serves. */
  public void removed(String model) {
    byModel.remove(model);
    saved.remove(model);
  }

  /**
   * A request on {@code version} succeeded after {@code nanos} with {@code outputs}. Requests on a
   * version no longer active (finishing after a swap) are not counted.
   */
  public void succeeded(String model, long version, long nanos, List<Tensor> outputs) {
    Tally tally = tally(model, version);
    if (tally != null) {
      tally.succeeded(nanos, outputs);
    }
  }

  /** A request on {@code version} failed inside the model. */
  public void failed(String model, long version) {
    Tally tally = tally(model, version);
    if (tally != null) {
      tally.requests.increment();
      tally.errors.increment();
    }
  }

  /** A request on {@code version} was refused before or after the model ran (bad input, store). */
  public void refused(String model, long version) {
    Tally tally = tally(model, version);
    if (tally != null) {
      tally.requests.increment();
    }
  }

  private Tally tally(String model, long version) {
    Tally tally = byModel.get(model);
    if (tally == null) {
      return null;
    }
    tally.lastRequestMillis = clock.millis();
    return tally.version == version ? tally : null;
  }

  /** The counters of {@code model}'s active version; empty when none serves. */
  public Optional<VersionStats> stats(String model) {
    Tally tally = byModel.get(model);
    return tally == null ? Optional.empty() : Optional.of(tally.stats());
  }

  /**
   * How long {@code model} has served no request: since its last request, or since it began serving
   * in this process; a model that does not serve is idle for ever.
   */
  public Duration idleFor(String model) {
    Tally tally = byModel.get(model);
    if (tally == null) {
      return FOREVER;
    }
    long since = Math.max(tally.lastRequestMillis, startedMillis);
    return Duration.ofMillis(Math.max(0, clock.millis() - since));
  }

  /**
   * The counters of every active version, for the store, and those saved for a model not restored
   * (yet): a start that fails before restoring, or a kept bundle that cannot be served until the
   * hub is back, must not lose them.
   */
  public List<VersionTally> tallies() {
    Map<String, VersionTally> tallies = new TreeMap<>(saved);
    for (Tally tally : byModel.values()) {
      tallies.put(tally.model, tally.tally());
    }
    return List.copyOf(tallies.values());
  }

  /** One version's counters. */
  private static final class Tally {
    final String model;
    final long version;
    final Long deploymentId;
    final Instant activatedAt;
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder[] latency = new LongAdder[LatencyBuckets.COUNT];
    final Output[] outputs;
    volatile long lastRequestMillis;

    Tally(
        String model,
        long version,
        List<TensorSpec> outputs,
        Long deploymentId,
        Instant activatedAt,
        long nowMillis) {
      this.model = model;
      this.version = version;
      this.deploymentId = deploymentId;
      this.activatedAt = activatedAt;
      this.lastRequestMillis = nowMillis;
      for (int i = 0; i < latency.length; i++) {
        latency[i] = new LongAdder();
      }
      List<Output> numeric = new ArrayList<>();
      for (TensorSpec spec : outputs) {
        if (numeric.size() < MAX_OUTPUTS && isNumeric(spec.datatype())) {
          numeric.add(new Output(spec.name()));
        }
      }
      this.outputs = numeric.toArray(new Output[0]);
    }

    void succeeded(long nanos, List<Tensor> results) {
      requests.increment();
      latency[LatencyBuckets.index(nanos / 1_000)].increment();
      for (int i = 0; i < results.size(); i++) {
        Tensor result = results.get(i);
        for (Output output : outputs) {
          if (output.name.equals(result.name())) {
            output.add(result);
            break;
          }
        }
      }
    }

    /** Adds what the store kept: a restart goes on counting from there. */
    void add(VersionTally kept) {
      requests.add(kept.requests());
      errors.add(kept.errors());
      for (int i = 0; i < Math.min(latency.length, kept.latency().size()); i++) {
        latency[i].add(kept.latency().get(i));
      }
      for (Output output : outputs) {
        for (int c = 0; c < MAX_COLUMNS; c++) {
          VersionTally.OutputSum sum = kept.outputs().get(output.keys[c]);
          if (sum != null) {
            output.sums[c].add(sum.sum());
            output.counts[c].add(sum.count());
          }
        }
      }
    }

    VersionStats stats() {
      Map<String, Double> means = new HashMap<>();
      for (Output output : outputs) {
        for (int c = 0; c < MAX_COLUMNS; c++) {
          long count = output.counts[c].sum();
          if (count > 0) {
            means.put(output.keys[c], output.sums[c].sum() / count);
          }
        }
      }
      return new VersionStats(
          version, deploymentId, activatedAt, requests.sum(), errors.sum(), latencyCounts(), means);
    }

    VersionTally tally() {
      Map<String, VersionTally.OutputSum> sums = new HashMap<>();
      for (Output output : outputs) {
        for (int c = 0; c < MAX_COLUMNS; c++) {
          long count = output.counts[c].sum();
          if (count > 0) {
            sums.put(output.keys[c], new VersionTally.OutputSum(output.sums[c].sum(), count));
          }
        }
      }
      return new VersionTally(
          model,
          version,
          deploymentId,
          activatedAt,
          requests.sum(),
          errors.sum(),
          latencyCounts(),
          sums);
    }

    private List<Long> latencyCounts() {
      List<Long> counts = new ArrayList<>(latency.length);
      for (LongAdder bucket : latency) {
        counts.add(bucket.sum());
      }
      return counts;
    }

    private static boolean isNumeric(DataType type) {
      return switch (type) {
        case UINT8, INT8, INT16, INT32, INT64, FP32, FP64 -> true;
        default -> false;
      };
    }
  }

  /** The column sums of one output; keys are made once, not per request. */
  private static final class Output {
    final String name;
    final String[] keys = new String[MAX_COLUMNS];
    final DoubleAdder[] sums = new DoubleAdder[MAX_COLUMNS];
    final LongAdder[] counts = new LongAdder[MAX_COLUMNS];

    Output(String name) {
      this.name = name;
      for (int c = 0; c < MAX_COLUMNS; c++) {
        keys[c] = name + "[" + c + "]";
        sums[c] = new DoubleAdder();
        counts[c] = new LongAdder();
      }
    }

    void add(Tensor tensor) {
      long[] shape = tensor.shape();
      long last = shape.length <= 1 ? 1 : shape[shape.length - 1];
      if (last <= 0) {
        return;
      }
      int stride = (int) Math.min(last, Integer.MAX_VALUE);
      int columns = Math.min(stride, MAX_COLUMNS);
      boolean unsigned = tensor.datatype() == DataType.UINT8;
      Object data = tensor.data();
      for (int c = 0; c < columns; c++) {
        double sum = 0;
        long count = 0;
        switch (data) {
          case float[] a -> {
            for (int i = c; i < a.length; i += stride) {
              if (Float.isFinite(a[i])) {
                sum += a[i];
                count++;
              }
            }
          }
          case double[] a -> {
            for (int i = c; i < a.length; i += stride) {
              if (Double.isFinite(a[i])) {
                sum += a[i];
                count++;
              }
            }
          }
          case long[] a -> {
            for (int i = c; i < a.length; i += stride) {
              sum += a[i];
              count++;
            }
          }
          case int[] a -> {
            for (int i = c; i < a.length; i += stride) {
              sum += a[i];
              count++;
            }
          }
          case short[] a -> {
            for (int i = c; i < a.length; i += stride) {
              sum += a[i];
              count++;
            }
          }
          case byte[] a -> {
            for (int i = c; i < a.length; i += stride) {
              sum += unsigned ? a[i] & 0xFF : a[i];
              count++;
            }
          }
          default -> {
            return;
          }
        }
        if (count > 0) {
          sums[c].add(sum);
          counts[c].add(count);
        }
      }
    }
  }
}
