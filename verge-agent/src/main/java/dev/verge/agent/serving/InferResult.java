package dev.verge.agent.serving;

import dev.verge.core.oip.Tensor;
import java.util.List;

/**
 * What one call answered: the model version that ran it and its outputs, in the model's declared
 * order.
 */
public record InferResult(String model, long version, String id, List<Tensor> outputs) {
  public InferResult {
    outputs = List.copyOf(outputs);
  }
}
