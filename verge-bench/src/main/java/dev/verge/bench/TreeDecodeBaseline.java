package dev.verge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InferInput;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * How the agent decoded a JSON infer request before the streaming reader (issue 8), kept here only
 * so that {@link JsonTensorBenchmark} measures before and after in one run: the body bound to
 * {@link InferRequest} records with a JSON tree per input's data, the tree's leaves collected into
 * a list, then copied into the element array. FP32 only, the benchmark's type; rules as they were.
 */
final class TreeDecodeBaseline {
  private TreeDecodeBaseline() {}

  static List<Tensor> decode(byte[] body) {
    InferRequest request = Json.read(body, InferRequest.class);
    List<Tensor> tensors = new ArrayList<>(request.inputs().size());
    for (InferInput input : request.inputs()) {
      tensors.add(decode(input));
    }
    return tensors;
  }

  private static Tensor decode(InferInput input) {
    if (DataType.parse(input.datatype(), input.name()) != DataType.FP32) {
      throw new IllegalArgumentException("the baseline decodes FP32 only");
    }
    long[] shape = input.shape().stream().mapToLong(Long::longValue).toArray();
    long count = Tensor.elementCount(shape);
    List<JsonNode> leaves = new ArrayList<>((int) Math.min(count, 1024));
    flatten(input.data(), leaves, count);
    if (leaves.size() != count) {
      throw new IllegalArgumentException("shape needs " + count + ", data has " + leaves.size());
    }
    float[] values = new float[leaves.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode leaf = leaves.get(i);
      if (!leaf.isNumber()) {
        throw new IllegalArgumentException("element " + i + " is not a number");
      }
      double value = leaf.doubleValue();
      if (Math.abs(value) > Float.MAX_VALUE) {
        throw new IllegalArgumentException("element " + i + " is outside the FP32 range");
      }
      values[i] = (float) value;
    }
    return new Tensor(input.name(), DataType.FP32, shape, values);
  }

  private static void flatten(JsonNode node, List<JsonNode> out, long limit) {
    if (node.isArray()) {
      for (JsonNode element : node) {
        flatten(element, out, limit);
        if (out.size() > limit) {
          return;
        }
      }
    } else if (node.isObject()) {
      throw new IllegalArgumentException("data holds an object");
    } else {
      out.add(node);
    }
  }
}
