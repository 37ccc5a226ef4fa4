package dev.verge.core.oip;

import java.util.List;
import java.util.Map;

/** One output tensor as answered: {@code data} is the flat row-major element array. */
public record InferOutput(
    String name, List<Long> shape, String datatype, Map<String, Object> parameters, Object data) {}
