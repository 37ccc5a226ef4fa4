package dev.verge.agent.sync;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.LoadedModel;
import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The best-effort warm-up of a version whose bundle ships no samples: one inference on zeros, every
 * dynamic dimension set to 1, so the first real request does not pay for the runtime's lazy setup.
 * Many valid models cannot run on that (a voice-activity model needs a frame of samples, not one),
 * so a failure is an outcome to report, never a reason to refuse the version.
 */
final class ZeroWarmUp {
  /** Inputs larger than this are not warmed up: the zeros would cost more than the first call. */
  static final long MAX_ELEMENTS = 16L * 1024 * 1024;

  private ZeroWarmUp() {}

  /** What became of the warm-up. */
  sealed interface Outcome {
    /** The model ran on zeros. */
    record Warmed() implements Outcome {}

    /** Zeros cannot stand for an input (text, an unsupported type, too large). */
    record Skipped(String reason) implements Outcome {}

    /** The model refused zeros; it may well serve real inputs. */
    record Failed(String error) implements Outcome {}
  }

  static Outcome run(LoadedModel model) {
    List<Tensor> inputs = new ArrayList<>();
    for (TensorSpec spec : model.inputs()) {
      DataType type = spec.datatype();
      if (type == DataType.BYTES || !Tensor.SUPPORTED.contains(type)) {
        return new Outcome.Skipped("input '" + spec.name() + "' is " + type);
      }
      long[] shape = spec.shape().stream().mapToLong(d -> d < 0 ? 1 : d).toArray();
      long count = Tensor.elementCountOrMax(shape);
      if (count > MAX_ELEMENTS) {
        return new Outcome.Skipped(
            "input '" + spec.name() + "' would need " + count + " zeros even at size 1");
      }
      Object zeros = Array.newInstance(Tensor.arrayClass(type).componentType(), (int) count);
      inputs.add(new Tensor(spec.name(), type, shape, zeros));
    }
    try {
      model.infer(inputs, Set.of());
      return new Outcome.Warmed();
    } catch (RuntimeException e) {
      return new Outcome.Failed(String.valueOf(e.getMessage()));
    }
  }
}
