package dev.verge.agent.serving;

import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorBudget;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One inference call as the serving core sees it, whatever door it came in by (REST, gRPC, the
 * in-process API): decoded inputs, the outputs wanted, the caller's request id.
 *
 * @param id the caller's request id, echoed back and kept with the prediction; may be null
 * @param outputs names of the outputs to return; empty for all
 * @param classifications outputs to answer as their N highest classes (Triton's classification
 *     extension, {@link dev.verge.core.oip.Classification}), by name; the prediction is recorded
 *     with the model's outputs as computed
 */
public record InferCall(
    String id, List<Tensor> inputs, Set<String> outputs, Map<String, Integer> classifications) {
  public InferCall {
    Objects.requireNonNull(inputs, "inputs");
    inputs = List.copyOf(inputs);
    outputs = outputs == null ? Set.of() : Set.copyOf(outputs);
    classifications = classifications == null ? Map.of() : Map.copyOf(classifications);
  }

  public InferCall(String id, List<Tensor> inputs, Set<String> outputs) {
    this(id, inputs, outputs, Map.of());
  }

  /**
   * Turns a request into a call once the model it runs on is known (the model's outputs decide, for
   * instance, which are binary in a REST answer).
   */
  @FunctionalInterface
  public interface Decoder {
    /**
     * @throws dev.verge.core.oip.ProtocolException naming what is wrong with the request
     */
    InferCall decode(dev.verge.runtime.LoadedModel model);

    /**
     * Decodes within {@code budget}. This default decodes first and charges the inputs after, for
     * doors whose own size limit already bounds what decoding allocates; a decoder that reads
     * shapes before it allocates overrides it to check first.
     *
     * @throws dev.verge.core.oip.TensorBudgetException naming the first input that does not fit
     */
    default InferCall decode(dev.verge.runtime.LoadedModel model, TensorBudget budget) {
      InferCall call = decode(model);
      for (Tensor input : call.inputs()) {
        budget.reserve("input '" + input.name() + "'", input.datatype(), input.shape());
      }
      return call;
    }
  }
}
