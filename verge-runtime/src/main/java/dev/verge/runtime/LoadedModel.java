package dev.verge.runtime;

import dev.verge.core.oip.Tensor;
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

  @Override
  void close();
}
