package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Engines;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import org.junit.jupiter.api.Test;

class ZeroWarmUpTest {
  private static ZeroWarmUp.Outcome warm(byte[] model) {
    try (LoadedModel loaded = Engines.ONNX.load(new ModelSource("m", 1, model))) {
      return ZeroWarmUp.run(loaded);
    }
  }

  @Test
  void a_model_that_runs_on_zeros_is_warmed() {
    assertThat(warm(TestModels.logistic())).isInstanceOf(ZeroWarmUp.Outcome.Warmed.class);
  }

  @Test
  void a_model_that_cannot_run_on_one_sized_dimensions_is_an_outcome_not_an_exception() {
    assertThat(warm(TestModels.minimumLength(64)))
        .isInstanceOfSatisfying(
            ZeroWarmUp.Outcome.Failed.class, failed -> assertThat(failed.error()).isNotBlank());
  }

  @Test
  void text_inputs_are_not_warmed() {
    assertThat(warm(TestModels.allTypes()))
        .isInstanceOfSatisfying(
            ZeroWarmUp.Outcome.Skipped.class,
            skipped -> assertThat(skipped.reason()).isEqualTo("input 'x_bytes' is BYTES"));
  }
}
