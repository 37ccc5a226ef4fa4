package dev.verge.agent.serving;

import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.health.HealthCounters;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.LoadedModel;
import java.time.Instant;

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

  Inference(
      ModelRegistry registry,
      PredictionCapture capture,
      ModelStats stats,
      ServingMetrics metrics,
      HealthCounters health) {
    this.registry = registry;
    this.capture = capture;
    this.stats = stats;
    this.metrics = metrics;
    this.health = health;
  }

  /**
   * Runs one call on {@code name}; counts every failure, decoding included, before rethrowing it.
   *
   * @param version the version the caller names, null for the active one
   * @throws ModelNotFoundException when that model or version is not served
   * @throws dev.verge.core.oip.ProtocolException when the request does not fit the model
   * @throws EngineException when the model itself fails
   */
  public InferResult run(String name, Long version, InferCall.Decoder decoder) {
    long started = System.nanoTime();
    try (ModelRegistry.Lease lease = registry.acquire(name, version)) {
      LoadedModel model = lease.model();
      try {
        InferCall call = decoder.decode(model);
        InferResult result =
            new InferResult(
                model.name(),
                model.version(),
                call.id(),
                model.infer(call.inputs(), call.outputs()));
        capture(call, result, started);
        long nanos = System.nanoTime() - started;
        stats.success(name, model.version(), nanos);
        metrics.answered(name, model.version(), nanos);
        health.succeeded(name, model.version(), nanos, result.outputs());
        return result;
      } catch (RuntimeException e) {
        long nanos = System.nanoTime() - started;
        stats.failure(name, model.version(), nanos);
        metrics.failed(name, model.version(), nanos);
        // Only a failure inside the model is an error of the version; bad input is the caller's.
        if (e instanceof EngineException) {
          health.failed(name, model.version());
        } else {
          health.refused(name, model.version());
        }
        throw e;
      }
    }
  }

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
