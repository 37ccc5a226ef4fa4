package dev.verge.runtime;

import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorBudget;
import dev.verge.core.oip.TensorSpec;
import java.util.List;
import java.util.Set;

/**
 * One loaded model version, safe to call from many threads at once. Closing it frees its native
 * session; the caller makes sure no call is in flight then.
 */
public interface LoadedModel extends AutoCloseable {
  String name();

  long version();

  List<TensorSpec> inputs();

  List<TensorSpec> outputs();

  /**
   * Runs the model.
   *
   * @param inputs every input the model declares, matching its types and shapes
   * @param outputs names of the outputs to return; empty for all
   * @return the outputs, in the model's declared order
   * @throws dev.verge.core.oip.ProtocolException when the inputs do not fit the model (names the
   *     input)
   * @throws EngineException when the runtime fails
   */
  List<Tensor> infer(List<Tensor> inputs, Set<String> outputs);

  /**
   * Runs the model, charging each output's shape × element size to {@code budget} before it is
   * copied out of the engine. This default copies first and charges after; engines that can look at
   * an output's shape before copying it override it.
   *
   * @throws dev.verge.core.oip.TensorBudgetException naming the first output that does not fit
   */
  default List<Tensor> infer(List<Tensor> inputs, Set<String> outputs, TensorBudget budget) {
    List<Tensor> answer = infer(inputs, outputs);
    for (Tensor output : answer) {
      budget.reserve(
          "output '" + output.name() + "' of model " + name() + " v" + version(),
          output.datatype(),
          output.shape());
    }
    return answer;
  }

  @Override
  void close();
}
