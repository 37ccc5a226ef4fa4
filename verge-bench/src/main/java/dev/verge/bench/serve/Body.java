package dev.verge.bench.serve;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An Open Inference Protocol infer request body for a model's standard input: JSON with the floats
 * in {@code data}, or a JSON header followed by the floats' little-endian bytes (the binary tensor
 * extension), asking for the output in binary as well.
 *
 * @param jsonLength the JSON header's length for {@code Inference-Header-Content-Length}; -1 for a
 *     JSON body
 */
record Body(byte[] bytes, int jsonLength) {
  static final String HEADER = "Inference-Header-Content-Length";

  static Body of(BenchModel model, int batch, Tensors tensors) {
    float[] input = model.input(batch);
    StringBuilder json = new StringBuilder(input.length * 12 + 200);
    json.append("{\"inputs\":[{\"name\":\"")
        .append(BenchModel.INPUT)
        .append("\",\"datatype\":\"FP32\",");
    json.append("\"shape\":[");
    long[] shape = model.shape(batch);
    for (int i = 0; i < shape.length; i++) {
      json.append(i == 0 ? "" : ",").append(shape[i]);
    }
    json.append("],");
    if (tensors == Tensors.JSON) {
      json.append("\"data\":[");
      for (int i = 0; i < input.length; i++) {
        json.append(i == 0 ? "" : ",").append(input[i]);
      }
      json.append("]}]}");
      return new Body(json.toString().getBytes(StandardCharsets.UTF_8), -1);
    }
    json.append("\"parameters\":{\"binary_data_size\":").append(input.length * 4L).append("}}],");
    json.append("\"parameters\":{\"binary_data_output\":true}}");
    byte[] header = json.toString().getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(input.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(input);
    ByteArrayOutputStream body = new ByteArrayOutputStream(header.length + data.capacity());
    body.writeBytes(header);
    body.writeBytes(data.array());
    return new Body(body.toByteArray(), header.length);
  }

  String contentType() {
    return jsonLength < 0 ? "application/json" : "application/octet-stream";
  }
}
