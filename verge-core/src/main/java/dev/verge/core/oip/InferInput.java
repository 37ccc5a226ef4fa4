package dev.verge.core.oip;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * One input tensor as sent: {@code data} is flat or nested JSON, decoded by {@link TensorCodec}.
 */
public record InferInput(
    String name,
    List<Long> shape,
    String datatype,
    Map<String, Object> parameters,
    JsonNode data) {}
