package dev.verge.agent.sync;

import dev.verge.core.bundle.Samples;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.SampleCheck;

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
    SampleCheck.problem(model, samples)
        .ifPresent(
            problem -> {
              throw new ActivationException(
                  Check.SAMPLES, model.name() + " v" + model.version() + ", " + problem);
            });
  }
}
