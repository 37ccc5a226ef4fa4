package dev.verge.agent.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Prediction;
import dev.verge.core.json.Json;
import dev.verge.core.oip.BinaryTensors;
import dev.verge.core.oip.InferOutput;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.InferResponse;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.LoadedModel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One inference request: decode the inputs, run the active version (whose engine checks them
 * against the model's signature with the shared {@code InputCheck}), record the prediction, answer.
 * With the binary tensor data extension, inputs may come and outputs may go as raw bytes after the
 * JSON; the prediction is recorded in JSON form either way.
 */
final class Inference {
  private final ModelRegistry registry;
  private final AgentStore store;
  private final ModelStats stats;
  private final ServingMetrics metrics;
  private final HealthCounters health;

  Inference(
      ModelRegistry registry,
      AgentStore store,
      ModelStats stats,
      ServingMetrics metrics,
      HealthCounters health) {
    this.registry = registry;
    this.store = store;
    this.stats = stats;
    this.metrics = metrics;
    this.health = health;
  }

  /**
   * The answer: the JSON response, and when some outputs are binary, their bytes to append after it
   * (null when the answer is JSON only); {@code outputs} are the model's results as computed.
   */
  record Answer(InferResponse response, byte[] binary, List<Tensor> outputs) {}

  /**
   * Runs {@code body} on the model; counts every failure before rethrowing it.
   *
   * @param version the version the path names, null for the active one
   * @param headerLength the request's {@value BinaryTensors#HEADER} header, null when absent
   */
  Answer run(String name, Long version, byte[] body, String headerLength) {
    long started = System.nanoTime();
    try (ModelRegistry.Lease lease = registry.acquire(name, version)) {
      LoadedModel model = lease.model();
      try {
        Answer response = infer(model, body, headerLength, started);
        long nanos = System.nanoTime() - started;
        stats.success(name, model.version(), nanos);
        metrics.answered(name, model.version(), nanos);
        health.succeeded(name, model.version(), nanos, response.outputs());
        return response;
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

  private Answer infer(LoadedModel model, byte[] body, String headerLength, long started) {
    byte[] json = body;
    ByteBuffer binary = null;
    if (headerLength != null) {
      int length = BinaryTensors.headerLength(headerLength, body.length);
      json = Arrays.copyOf(body, length);
      binary = ByteBuffer.wrap(body, length, body.length - length);
    }
    InferRequest request = Json.read(json, InferRequest.class);
    if (request.inputs() == null || request.inputs().isEmpty()) {
      throw new ProtocolException("request has no inputs");
    }
    List<Tensor> inputs = BinaryTensors.decode(request.inputs(), binary);
    Set<String> outputs = requestedOutputs(request);
    Set<String> binaryOutputs =
        BinaryTensors.binaryOutputs(
            request, outputs.isEmpty() ? names(model.outputs()) : List.copyOf(outputs));
    List<Tensor> results = model.infer(inputs, outputs);
    List<InferOutput> encoded = results.stream().map(TensorCodec::encode).toList();
    long micros = (System.nanoTime() - started) / 1_000;
    JsonNode recorded = Json.mapper().valueToTree(encoded);
    store.record(
        new Prediction(
            Instant.now(), model.name(), model.version(), micros, request.id(), recorded));
    if (binaryOutputs.isEmpty()) {
      return new Answer(response(model, request, encoded), null, results);
    }
    List<InferOutput> wire = new ArrayList<>(results.size());
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < results.size(); i++) {
      Tensor result = results.get(i);
      if (binaryOutputs.contains(result.name())) {
        byte[] section = BinaryTensors.encode(result);
        InferOutput asJson = encoded.get(i);
        wire.add(
            new InferOutput(
                asJson.name(),
                asJson.shape(),
                asJson.datatype(),
                Map.of(BinaryTensors.SIZE, section.length),
                null));
        bytes.writeBytes(section);
      } else {
        wire.add(encoded.get(i));
      }
    }
    return new Answer(response(model, request, wire), bytes.toByteArray(), results);
  }

  private static InferResponse response(
      LoadedModel model, InferRequest request, List<InferOutput> outputs) {
    return new InferResponse(
        model.name(), Long.toString(model.version()), request.id(), null, outputs);
  }

  /** The output names the request asks for; the engine refuses any the model lacks. */
  private static Set<String> requestedOutputs(InferRequest request) {
    if (request.outputs() == null) {
      return Set.of();
    }
    Set<String> wanted = new LinkedHashSet<>();
    for (InferRequest.RequestedOutput output : request.outputs()) {
      if (output == null || output.name() == null || output.name().isBlank()) {
        throw new ProtocolException("a requested output has no name");
      }
      wanted.add(output.name());
    }
    return wanted;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
