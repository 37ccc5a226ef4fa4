package dev.verge.agent.pipeline;

import dev.verge.agent.serving.InferCall;
import dev.verge.agent.serving.InferResult;
import dev.verge.agent.serving.LocalModel;
import dev.verge.agent.serving.ModelNotFoundException;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.ModelMetadata;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.EngineException;
import java.lang.reflect.Array;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One running pipeline: a thread that, on its schedule, reads its source, runs each reading on the
 * model through the in-process API (so every answer is recorded in the local store and forwarded to
 * the hub as a prediction, like any other), applies the rules and fires their actions. The source
 * moves on only once the cycle's predictions are written. A cycle that fails, whatever it throws,
 * is reported and the next one runs on schedule.
 */
final class Pipeline implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Pipeline.class.getName());

  /** How long a cycle waits for its predictions to be written before it reads them again. */
  static final Duration DURABLE_WAIT = Duration.ofSeconds(30);

  /** A failure repeated word for word is logged again only after this. */
  private static final Duration REPEAT_LOG = Duration.ofMinutes(1);

  private final PipelineSpec spec;
  private final SourceReader reader;
  private final LocalModel model;
  private final Actions actions;
  private final Pipelines.Durable durable;
  private final Clock clock;
  private final ZoneId zone;
  private final PipelineMetrics metrics;
  private final Runnable cycled;
  private final Map<Rule, Instant> lastFired = new HashMap<>();
  private volatile Thread thread;
  private volatile boolean closed;
  private final java.util.concurrent.locks.ReentrantLock sleeping =
      new java.util.concurrent.locks.ReentrantLock();
  private final java.util.concurrent.locks.Condition woken = sleeping.newCondition();
  private boolean wakeUp;

  private String state = "STARTING";
  private long cycles;
  private long predictions;
  private long rejected;
  private long failed;
  private long fired;
  private Instant lastCycleAt;
  private String lastError;
  private Instant lastLogged = Instant.MIN;
  private String lastLoggedError;
  private long checkedVersion = -1;
  private Shape shape;

  /** The input a reading becomes, as checked against the model's signature. */
  private record Shape(String input, DataType datatype, long[] shape) {}

  Pipeline(
      PipelineSpec spec,
      SourceReader reader,
      LocalModel model,
      Actions actions,
      Pipelines.Durable durable,
      Clock clock,
      ZoneId zone,
      PipelineMetrics metrics,
      Runnable cycled) {
    this.spec = spec;
    this.cycled = cycled;
    this.reader = reader;
    this.model = model;
    this.actions = actions;
    this.durable = durable;
    this.clock = clock;
    this.zone = zone;
    this.metrics = metrics;
  }

  String name() {
    return spec.name();
  }

  void start() {
    thread = Thread.ofVirtual().name("verge-pipeline-" + spec.name()).start(this::loop);
  }

  private void loop() {
    Instant started = clock.instant();
    Instant due = spec.schedule() instanceof Schedule.Every ? started : next(started);
    while (!closed) {
      try {
        sleepUntil(due);
      } catch (InterruptedException e) {
        return;
      }
      Instant cycleStart = clock.instant();
      boolean more = false;
      try {
        more = cycle();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: one bad cycle must not end the pipeline, nor touch the others.
        failedCycle(e);
      }
      try {
        cycled.run();
      } catch (Throwable e) {
        LOG.log(System.Logger.Level.ERROR, "pipeline " + spec.name() + ": after a cycle: " + e, e);
      }
      // A cycle a push started early leaves the scheduled one where it was.
      due = more ? clock.instant() : cycleStart.isBefore(due) ? due : next(cycleStart);
    }
  }

  private Instant next(Instant from) {
    Instant next = spec.schedule().next(from, zone);
    Instant now = clock.instant();
    // A cycle that overran its interval is not made up for: the next one is due now.
    return next.isBefore(now) && spec.schedule() instanceof Schedule.Every ? now : next;
  }

  /** Sleeps until {@code due}, or until {@link #wake} (readings were pushed). */
  private void sleepUntil(Instant due) throws InterruptedException {
    sleeping.lock();
    try {
      while (!wakeUp) {
        Duration wait = Duration.between(clock.instant(), due);
        if (wait.isNegative() || wait.isZero()) {
          break;
        }
        woken.await(wait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
      }
      wakeUp = false;
    } finally {
      sleeping.unlock();
    }
  }

  /** Runs the next cycle now rather than on schedule. */
  void wake() {
    sleeping.lock();
    try {
      wakeUp = true;
      woken.signalAll();
    } finally {
      sleeping.unlock();
    }
  }

  /**
   * Runs one cycle.
   *
   * @return whether the source has more readings waiting (the next cycle then starts at once)
   */
  boolean cycle() throws Exception {
    if (!model.ready()) {
      ended("WAITING_FOR_MODEL", null, "waiting");
      return false;
    }
    check();
    SourceReader.Batch batch = reader.read(PipelineSpec.MAX_READINGS_PER_CYCLE);
    int refused = batch.rejected().size();
    for (String problem : batch.rejected()) {
      LOG.log(System.Logger.Level.WARNING, "pipeline {0}: {1}; skipped", spec.name(), problem);
    }
    int answered = 0;
    int broken = 0;
    for (Reading reading : batch.readings()) {
      Tensor input;
      try {
        input = tensor(reading);
      } catch (IllegalArgumentException e) {
        refused++;
        LOG.log(
            System.Logger.Level.WARNING, "pipeline {0}: {1}; skipped", spec.name(), e.getMessage());
        continue;
      }
      InferResult result;
      try {
        result = model.infer(new InferCall(requestId(reading), List.of(input), Set.of()));
      } catch (ProtocolException e) {
        refused++;
        LOG.log(
            System.Logger.Level.WARNING,
            "pipeline {0}: reading {1} does not fit the model: {2}; skipped",
            spec.name(),
            reading.origin(),
            e.getMessage());
        continue;
      } catch (EngineException e) {
        broken++;
        LOG.log(
            System.Logger.Level.WARNING,
            "pipeline {0}: the model failed on reading {1}: {2}",
            spec.name(),
            reading.origin(),
            e.getMessage());
        continue;
      } catch (ModelNotFoundException e) {
        // Unloaded mid-cycle: nothing is committed, so the source gives these readings again.
        count(answered, refused, broken);
        ended("WAITING_FOR_MODEL", null, "waiting");
        return false;
      }
      answered++;
      apply(reading, result);
    }
    count(answered, refused, broken);
    if (!batch.readings().isEmpty() && !durable.await(DURABLE_WAIT)) {
      throw new PipelineException(
          "the predictions of "
              + batch.readings().size()
              + " readings were not written within "
              + DURABLE_WAIT.toSeconds()
              + " s; the source gives them again");
    }
    batch.commit().run();
    ended("RUNNING", null, "ok");
    return batch.more() && !batch.readings().isEmpty() || batch.more() && refused > 0;
  }

  private void count(int answered, int refused, int broken) {
    synchronized (this) {
      predictions += answered;
      rejected += refused;
      failed += broken;
    }
    if (answered > 0) {
      metrics.readings(spec.name(), "predicted", answered);
    }
    if (refused > 0) {
      metrics.readings(spec.name(), "rejected", refused);
    }
    if (broken > 0) {
      metrics.readings(spec.name(), "failed", broken);
    }
  }

  private String requestId(Reading reading) {
    String id = spec.name() + ":" + reading.origin();
    return id.length() > 200 ? id.substring(0, 200) : id;
  }

  /** Checks the mapping and the rules against the version that serves now, once per version. */
  private void check() {
    ModelMetadata metadata = model.metadata();
    long version = Long.parseLong(metadata.versions().getFirst());
    if (version == checkedVersion) {
      return;
    }
    InputMapping mapping = spec.input();
    List<TensorSpec> inputs = metadata.inputs();
    TensorSpec input;
    if (mapping.name() == null) {
      if (inputs.size() != 1) {
        throw new PipelineException(
            "model "
                + spec.model()
                + " v"
                + version
                + " has "
                + inputs.size()
                + " inputs "
                + inputs.stream().map(TensorSpec::name).toList()
                + ": name the one to fill with input.name");
      }
      input = inputs.getFirst();
    } else {
      input =
          inputs.stream()
              .filter(i -> i.name().equals(mapping.name()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new PipelineException(
                          "model "
                              + spec.model()
                              + " v"
                              + version
                              + " has no input '"
                              + mapping.name()
                              + "' (it has "
                              + inputs.stream().map(TensorSpec::name).toList()
                              + ")"));
    }
    DataType datatype = mapping.datatype() == null ? input.datatype() : mapping.datatype();
    if (!InputMapping.DATATYPES.contains(datatype)) {
      throw new PipelineException(
          "model input '"
              + input.name()
              + "' is "
              + datatype
              + "; a pipeline fills FP32, FP64,"
              + " INT32 or INT64 inputs");
    }
    int n = mapping.features().size();
    List<Long> dims = input.shape();
    long[] shape;
    if (dims.size() == 2 && (dims.get(1) == -1 || dims.get(1) == n)) {
      shape = new long[] {1, n};
    } else if (dims.size() == 1 && (dims.getFirst() == -1 || dims.getFirst() == n)) {
      shape = new long[] {n};
    } else {
      throw new PipelineException(
          "model input '"
              + input.name()
              + "' has shape "
              + dims
              + "; the pipeline maps "
              + n
              + " features, which fill [batch, "
              + n
              + "] or ["
              + n
              + "]");
    }
    Set<String> outputs = new java.util.HashSet<>();
    metadata.outputs().forEach(o -> outputs.add(o.name()));
    for (Rule rule : spec.rules()) {
      for (Rule.Comparison c : rule.when()) {
        if (!outputs.contains(c.output())) {
          throw new PipelineException(
              "rule '"
                  + rule.name()
                  + "' reads output '"
                  + c.output()
                  + "', which model "
                  + spec.model()
                  + " v"
                  + version
                  + " does not have (it has "
                  + outputs
                  + ")");
        }
      }
    }
    shape = shape.clone();
    this.shape = new Shape(input.name(), datatype, shape);
    checkedVersion = version;
  }

  /** The reading as the model's input tensor. */
  Tensor tensor(Reading reading) {
    List<InputMapping.Feature> features = spec.input().features();
    double[] values = new double[features.size()];
    for (int i = 0; i < values.length; i++) {
      InputMapping.Feature f = features.get(i);
      values[i] = reading.number(f.field()) * f.scale() + f.offset();
    }
    Object data =
        switch (shape.datatype()) {
          case FP32 -> {
            float[] a = new float[values.length];
            for (int i = 0; i < a.length; i++) {
              a[i] = (float) values[i];
            }
            yield a;
          }
          case FP64 -> values;
          case INT32 -> {
            int[] a = new int[values.length];
            for (int i = 0; i < a.length; i++) {
              a[i] = (int) Math.round(values[i]);
            }
            yield a;
          }
          case INT64 -> {
            long[] a = new long[values.length];
            for (int i = 0; i < a.length; i++) {
              a[i] = Math.round(values[i]);
            }
            yield a;
          }
          default -> throw new IllegalStateException("checked in check(): " + shape.datatype());
        };
    return new Tensor(shape.input(), shape.datatype(), shape.shape().clone(), data);
  }

  private void apply(Reading reading, InferResult result) {
    Instant now = clock.instant();
    for (Rule rule : spec.rules()) {
      Map<String, Double> values = new LinkedHashMap<>();
      boolean holds = true;
      for (Rule.Comparison c : rule.when()) {
        double value = element(result, c);
        values.put(c.output() + "[" + c.index() + "]", value);
        holds &= c.holds(value);
      }
      if (!holds) {
        continue;
      }
      Instant last = lastFired.get(rule);
      if (last != null && Duration.between(last, now).compareTo(rule.cooldown()) < 0) {
        rule.actions().forEach(a -> metrics.action(spec.name(), Actions.kind(a), "cooling"));
        continue;
      }
      lastFired.put(rule, now);
      synchronized (this) {
        fired++;
      }
      Firing firing =
          new Firing(
              now, spec.name(), rule.name(), result.model(), result.version(), reading, values);
      for (Action action : rule.actions()) {
        actions.fire(action, firing);
      }
    }
  }

  private static double element(InferResult result, Rule.Comparison c) {
    Tensor output =
        result.outputs().stream()
            .filter(t -> t.name().equals(c.output()))
            .findFirst()
            .orElseThrow(
                () -> new PipelineException("the model answered no output '" + c.output() + "'"));
    Object data = output.data();
    int length = Array.getLength(data);
    if (c.index() >= length) {
      throw new PipelineException(
          "output '"
              + c.output()
              + "' has "
              + length
              + " elements; a rule reads element "
              + c.index());
    }
    return switch (data) {
      case float[] a -> a[c.index()];
      case double[] a -> a[c.index()];
      case int[] a -> a[c.index()];
      case long[] a -> a[c.index()];
      case byte[] a -> a[c.index()];
      case short[] a -> a[c.index()];
      case boolean[] a -> a[c.index()] ? 1 : 0;
      default ->
          throw new PipelineException(
              "output '"
                  + c.output()
                  + "' is "
                  + output.datatype()
                  + ", which a rule cannot compare");
    };
  }

  private void failedCycle(Throwable e) {
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    ended("FAILING", message, "failed");
    Instant now = clock.instant();
    if (!message.equals(lastLoggedError)
        || Duration.between(lastLogged, now).compareTo(REPEAT_LOG) > 0) {
      lastLoggedError = message;
      lastLogged = now;
      if (e instanceof PipelineException || e instanceof java.io.IOException) {
        LOG.log(
            System.Logger.Level.ERROR, "pipeline {0} failed a cycle: {1}", spec.name(), message);
      } else {
        LOG.log(System.Logger.Level.ERROR, "pipeline " + spec.name() + " failed a cycle: " + e, e);
      }
    }
  }

  private void ended(String newState, String error, String outcome) {
    synchronized (this) {
      state = newState;
      cycles++;
      lastCycleAt = clock.instant();
      if (error != null) {
        lastError = error;
      }
    }
    metrics.cycle(spec.name(), outcome);
  }

  synchronized PipelineStatus status() {
    return new PipelineStatus(
        spec.name(), state, cycles, predictions, rejected, failed, fired, lastCycleAt, lastError);
  }

  @Override
  public void close() {
    closed = true;
    dev.verge.agent.internal.BackgroundThreads.stop(thread, "pipeline " + spec.name());
    actions.close();
    reader.close();
  }
}
