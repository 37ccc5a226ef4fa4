package dev.verge.agent.serving;

import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.health.HealthCounters;
import dev.verge.core.oip.Classification;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorBudget;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.LoadedModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The serving core every door shares (REST, gRPC, the in-process API): lease the version asked for,
 * decode the call against it, run it (the engine checks the inputs against the model's signature
 * with the shared {@code InputCheck}), hand the prediction to capture (which records it off this
 * thread, unless configured to wait for the commit), count the outcome.
 */
public final class Inference {
  private final ModelRegistry registry;
  private final PredictionCapture capture;
  private final ModelStats stats;
  private final ServingMetrics metrics;
  private final HealthCounters health;
  private final ServingLimits limits;
  private final TensorBudget.Pool inFlight;

  static final String REQUEST_SOURCE = "max-request-mb";
  static final String IN_FLIGHT_SOURCE = "what requests in flight may share";

  Inference(
      ModelRegistry registry,
      PredictionCapture capture,
      ModelStats stats,
      ServingMetrics metrics,
      HealthCounters health,
      ServingLimits limits) {
    this.registry = registry;
    this.capture = capture;
    this.stats = stats;
    this.metrics = metrics;
    this.health = health;
    this.limits = limits;
    this.inFlight = new TensorBudget.Pool(limits.maxInFlightBytes(), IN_FLIGHT_SOURCE);
  }

  /** A fresh budget for one request, drawing on the bytes every request in flight shares. */
  public TensorBudget budget() {
    return inFlight.open(limits.maxRequestBytes(), REQUEST_SOURCE);
  }

  /** The bytes the requests in flight hold now (bodies and tensors). */
  public long bytesInFlight() {
    return inFlight.inFlight();
  }

  /** How a door turns a result into its answer, timed as the version's output phase. */
  @FunctionalInterface
  public interface Encoder<T> {
    T encode(InferResult result);
  }

  /**
   * Runs one call and answers its result as it is; see {@link #run(String, Long, InferCall.Decoder,
   * Encoder, TensorBudget)}.
   */
  public InferResult run(String name, Long version, InferCall.Decoder decoder) {
    return run(name, version, decoder, result -> result);
  }

  /** Runs one call within a budget of its own, given back once the answer is encoded. */
  public <T> T run(String name, Long version, InferCall.Decoder decoder, Encoder<T> encoder) {
    try (TensorBudget budget = budget()) {
      return run(name, version, decoder, encoder, budget);
    }
  }

  /**
   * Runs one call on {@code name} and encodes its answer while the version is still leased, so that
   * the statistics time every phase and a failure to encode counts against the version; counts
   * every failure, decoding included, before rethrowing it.
   *
   * @param version the version the caller names, null for the active one
   * @throws ModelNotFoundException when that model or version is not served
   * @throws dev.verge.core.oip.ProtocolException when the request does not fit the model
   * @throws EngineException when the model itself fails
   * @throws dev.verge.core.oip.TensorBudgetException when an input or output does not fit {@code
   *     budget}
   */
  public <T> T run(
      String name,
      Long version,
      InferCall.Decoder decoder,
      Encoder<T> encoder,
      TensorBudget budget) {
    long started = System.nanoTime();
    try (ModelRegistry.Lease lease = registry.acquire(name, version)) {
      LoadedModel model = lease.model();
      long leased = System.nanoTime();
      try {
        InferCall call = decoder.decode(model, budget);
        long decoded = System.nanoTime();
        InferResult result =
            new InferResult(
                model.name(),
                model.version(),
                call.id(),
                model.infer(call.inputs(), call.outputs(), budget));
        long inferred = System.nanoTime();
        T answer = encoder.encode(classified(result, call.classifications()));
        long encoded = System.nanoTime();
        capture(call, result, started);
        long nanos = System.nanoTime() - started;
        stats.success(
            name,
            model.version(),
            nanos,
            new ModelStats.Phases(
                leased - started, decoded - leased, inferred - decoded, encoded - inferred));
        metrics.answered(name, model.version(), nanos);
        health.succeeded(name, model.version(), nanos, result.outputs());
        return answer;
      } catch (RuntimeException e) {
        long nanos = System.nanoTime() - started;
        stats.failure(name, model.version(), nanos);
        metrics.failed(name, model.version(), nanos);
        // Only a failure inside the model is an error of the version; bad input is the caller's,
        // and so is an output over the caller's budget.
        if (e instanceof EngineException) {
          health.failed(name, model.version());
        } else {
          health.refused(name, model.version());
        }
        throw e;
      }
    }
  }

  /**
   * The statistics of {@code name} (of one version when {@code version} is given), or of every
   * model when {@code name} is null.
   *
   * @throws ModelNotFoundException when the model is neither served nor was ever called
   */
  public ModelStatistics statistics(String name, Long version) {
    if (name == null) {
      return stats.all(registry.servedVersions());
    }
    Set<Long> served = registry.servedVersions(name);
    if (served.isEmpty() && !stats.knows(name)) {
      throw new ModelNotFoundException(name, version);
    }
    return stats.of(name, version, served);
  }

  /** The result as the caller asked to see it: some outputs as their highest classes. */
  private static InferResult classified(InferResult result, Map<String, Integer> classes) {
    if (classes.isEmpty()) {
      return result;
    }
    List<Tensor> outputs = new ArrayList<>(result.outputs().size());
    for (Tensor output : result.outputs()) {
      Integer count = classes.get(output.name());
      outputs.add(count == null ? output : Classification.top(output, count));
    }
    return new InferResult(result.model(), result.version(), result.id(), outputs);
  }

  /** The model's own outputs are kept, not the classes an answer may show instead. */
  private void capture(InferCall call, InferResult result, long started) {
    long micros = (System.nanoTime() - started) / 1_000;
    capture.served(
        result.model(),
        result.version(),
        result.id(),
        Instant.now(),
        micros,
        call.inputs(),
        result.outputs());
  }
}
