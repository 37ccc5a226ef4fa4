package dev.verge.agent.sync;

import dev.verge.core.bundle.Sample;
import dev.verge.core.bundle.Samples;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.LoadedModel;
import java.util.List;

/**
 * Runs a bundle's samples on a freshly loaded version before it serves: they warm it on inputs it
 * can really run on, and refuse it when it does not answer as its publisher said (a gate stronger
 * than zeros: the wrong weights, a runtime that computes differently on this device).
 */
final class SampleGate {
  private SampleGate() {}

  /**
   * @throws ActivationException {@link Check#SAMPLES}, naming the sample, the output and the first
   *     element that differs
   */
  static void check(LoadedModel model, Samples samples) {
    String label = model.name() + " v" + model.version();
    List<String> outputs = model.outputs().stream().map(TensorSpec::name).toList();
    for (Sample sample : samples.samples()) {
      for (Tensor expected : sample.outputs()) {
        if (!outputs.contains(expected.name())) {
          throw new ActivationException(
              Check.SAMPLES,
              label
                  + ", sample '"
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
        throw new ActivationException(
            Check.SAMPLES,
            label + ", sample '" + sample.id() + "' does not run: " + e.getMessage(),
            e);
      }
      sample
          .mismatch(actual)
          .ifPresent(
              mismatch -> {
                throw new ActivationException(Check.SAMPLES, label + ", " + mismatch);
              });
    }
  }
}
