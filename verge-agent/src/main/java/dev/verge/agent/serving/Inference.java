package dev.verge.agent.serving;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Prediction;
import dev.verge.core.json.Json;
import dev.verge.core.oip.InferInput;
import dev.verge.core.oip.InferOutput;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.InferResponse;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.LoadedModel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One inference request from JSON to JSON: decode and check every input against the model's
 * signature, run the active version, record the prediction, answer. Checks happen here, not in the
 * engine, so that every engine refuses a bad request with the same message.
 */
final class Inference {
  private final ModelRegistry registry;
  private final AgentStore store;
  private final ModelStats stats;

  Inference(ModelRegistry registry, AgentStore store, ModelStats stats) {
    this.registry = registry;
    this.store = store;
    this.stats = stats;
  }

  /**
   * Runs {@code body} on the model; counts every failure before rethrowing it.
   *
   * @param version the version the path names, null for the active one
   */
  InferResponse run(String name, Long version, byte[] body) {
    long started = System.nanoTime();
    try (ModelRegistry.Lease lease = registry.acquire(name, version)) {
      LoadedModel model = lease.model();
      try {
        InferResponse response = infer(model, body, started);
        stats.success(name, model.version(), System.nanoTime() - started);
        return response;
      } catch (RuntimeException e) {
        stats.failure(name, model.version(), System.nanoTime() - started);
        throw e;
      }
    }
  }

  private InferResponse infer(LoadedModel model, byte[] body, long started) {
    InferRequest request = Json.read(body, InferRequest.class);
    if (request.inputs() == null || request.inputs().isEmpty()) {
      throw new ProtocolException("request has no inputs");
    }
    List<Tensor> inputs = new ArrayList<>(request.inputs().size());
    for (InferInput input : request.inputs()) {
      inputs.add(TensorCodec.decode(input));
    }
    Set<String> outputs = requestedOutputs(model, request);
    List<Tensor> results = model.infer(inputs, outputs);
    List<InferOutput> encoded = results.stream().map(TensorCodec::encode).toList();
    long micros = (System.nanoTime() - started) / 1_000;
    JsonNode recorded = Json.mapper().valueToTree(encoded);
    store.record(
        new Prediction(
            Instant.now(), model.name(), model.version(), micros, request.id(), recorded));
    return new InferResponse(
        model.name(), Long.toString(model.version()), request.id(), null, encoded);
  }

  private static Set<String> requestedOutputs(LoadedModel model, InferRequest request) {
    if (request.outputs() == null) {
      return Set.of();
    }
    Set<String> known = new LinkedHashSet<>(names(model.outputs()));
    Set<String> wanted = new LinkedHashSet<>();
    for (InferRequest.RequestedOutput output : request.outputs()) {
      if (output == null || output.name() == null || output.name().isBlank()) {
        throw new ProtocolException("a requested output has no name");
      }
      if (!known.contains(output.name())) {
        throw new ProtocolException(
            "output '"
                + output.name()
                + "' is not an output of model "
                + model.name()
                + " (it has "
                + known
                + ")");
      }
      wanted.add(output.name());
    }
    return wanted;
  }

  private static List<String> names(List<TensorSpec> specs) {
    return specs.stream().map(TensorSpec::name).toList();
  }
}
