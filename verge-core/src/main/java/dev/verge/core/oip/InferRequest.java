package dev.verge.core.oip;

import java.util.List;
import java.util.Map;

/** {@code POST /v2/models/{name}/infer} body. {@code outputs} selects outputs; null means all. */
public record InferRequest(
    String id,
    Map<String, Object> parameters,
    List<InferInput> inputs,
    List<RequestedOutput> outputs) {

  public record RequestedOutput(String name, Map<String, Object> parameters) {}
}
