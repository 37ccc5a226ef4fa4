package dev.verge.core.oip;

import java.util.List;
import java.util.Map;

/**
 * An infer request as {@link InferRequestReader} reads it: the inputs already decoded.
 *
 * @param parameters the request's parameters, null when it has none
 * @param outputs the requested outputs, null when the request names none (all of them); an entry is
 *     null where the request had {@code null}
 */
public record DecodedRequest(
    String id,
    Map<String, Object> parameters,
    List<Tensor> inputs,
    List<InferRequest.RequestedOutput> outputs) {}
