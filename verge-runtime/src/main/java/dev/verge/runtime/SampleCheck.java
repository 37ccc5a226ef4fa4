package dev.verge.runtime;

import dev.verge.core.bundle.Sample;
import dev.verge.core.bundle.Samples;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import java.util.List;
import java.util.Optional;

/**
 * Runs a bundle's samples on a loaded model and compares its answers with the expected outputs: the
 * agent's install gate, and the check {@code verge bundle create --samples} makes before it packs
 * them, so a publisher learns of a wrong sample before any device does.
 */
public final class SampleCheck {
  private SampleCheck() {}

  /**
   * @return the first problem, naming the sample, the output and the first element that differs;
   *     empty when every sample runs and answers as expected
   */
  public static Optional<String> problem(LoadedModel model, Samples samples) {
    List<String> outputs = model.outputs().stream().map(TensorSpec::name).toList();
    for (Sample sample : samples.samples()) {
      for (Tensor expected : sample.outputs()) {
        if (!outputs.contains(expected.name())) {
          return Optional.of(
              "sample '"
                  + sample.id()
                  + "' expects output '"
                  + expected.name()
                  + "', which the model does not have (its outputs: "
                  + outputs
                  + ")");
        }
      }
      List<Tensor> actual;
      try {
        actual = model.infer(sample.inputs(), sample.outputNames());
      } catch (RuntimeException e) {
        return Optional.of("sample '" + sample.id() + "' does not run: " + e.getMessage());
      }
      Optional<String> mismatch = sample.mismatch(actual);
      if (mismatch.isPresent()) {
        return mismatch;
      }
    }
    return Optional.empty();
  }
}
