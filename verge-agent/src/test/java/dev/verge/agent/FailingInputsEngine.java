package dev.verge.agent;

import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.InferenceEngine;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import java.util.List;
import java.util.Set;

/**
 * The real engine, except that a run whose first input starts with a negative number fails inside
 * the engine, as a model that cannot handle some inputs does.
 */
final class FailingInputsEngine implements InferenceEngine {
  private final InferenceEngine delegate;

  FailingInputsEngine(InferenceEngine delegate) {
    this.delegate = delegate;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    LoadedModel model = delegate.load(source);
    return new LoadedModel() {
      @Override
      public String name() {
        return model.name();
      }

      @Override
      public long version() {
        return model.version();
      }

      @Override
      public List<TensorSpec> inputs() {
        return model.inputs();
      }

      @Override
      public List<TensorSpec> outputs() {
        return model.outputs();
      }

      @Override
      public List<Tensor> infer(List<Tensor> inputs, Set<String> outputs) {
        if (inputs.getFirst().data() instanceof float[] values
            && values.length > 0
            && values[0] < 0) {
          throw new EngineException(name() + " v" + version() + " failed: negative input");
        }
        return model.infer(inputs, outputs);
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }

  @Override
  public void close() {}
}
