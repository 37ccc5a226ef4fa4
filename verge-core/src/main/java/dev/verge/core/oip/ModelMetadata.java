package dev.verge.core.oip;

import java.util.List;

/** {@code GET /v2/models/{name}}: what a client needs to build a request. */
public record ModelMetadata(
    String name,
    List<String> versions,
    String platform,
    List<TensorSpec> inputs,
    List<TensorSpec> outputs) {
  public static final String PLATFORM_ONNX = "onnxruntime_onnx";
}
