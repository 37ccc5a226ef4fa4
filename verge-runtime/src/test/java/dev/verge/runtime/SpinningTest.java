package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pool threads that block after a run rather than spin (an agent asleep between cycles). */
class SpinningTest {
  @Test
  void a_session_with_pool_threads_that_do_not_spin_loads_and_answers_as_one_that_does() {
    Tensor input =
        new Tensor("input", DataType.FP32, new long[] {2, 2}, new float[] {0f, 0f, 3f, 3f});
    float[][] answers = new float[2][];
    boolean[] spinning = {true, false};
    for (int i = 0; i < 2; i++) {
      EngineOptions options = new EngineOptions(2, 2).withSpinning(spinning[i]);
      assertThat(options.spinning()).isEqualTo(spinning[i]);
      try (OnnxEngine engine = new OnnxEngine(options);
          LoadedModel model = engine.load(new ModelSource("pump", 1, TestModels.logistic()))) {
        answers[i] = (float[]) model.infer(List.of(input), Set.of()).getFirst().data();
      }
    }

    assertThat(answers[1]).containsExactly(answers[0]);
    assertThat(answers[1][3]).isGreaterThan(0.99f);
    assertThat(EngineOptions.defaults().spinning()).isTrue();
  }
}
