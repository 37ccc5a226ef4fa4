package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** {@link TestModels#minimumLength} behaves as the agent's warm-up tests rely on. */
class MinimumLengthModelTest {
  private static final OnnxEngine ENGINE = new OnnxEngine(new EngineOptions(1, 1));

  @AfterAll
  static void close() {
    ENGINE.close();
  }

  @Test
  void runs_on_real_frames_and_fails_on_one_sample() {
    try (LoadedModel model = ENGINE.load(new ModelSource("vad", 1, TestModels.minimumLength(64)))) {
      assertThat(model.inputs())
          .containsExactly(new TensorSpec("input", DataType.FP32, List.of(-1L, 1L, -1L)));
      float[] ramp = new float[256];
      for (int i = 0; i < ramp.length; i++) {
        ramp[i] = i;
      }

      Tensor output =
          model
              .infer(
                  List.of(new Tensor("input", DataType.FP32, new long[] {1, 1, 256}, ramp)),
                  Set.of())
              .getFirst();

      assertThat(output.shape()).containsExactly(1, 1, 193);
      // The mean of 0..63 is 31.5; each later window is one more.
      assertThat(((float[]) output.data())[0]).isEqualTo(31.5f);
      assertThat(((float[]) output.data())[192]).isEqualTo(223.5f);
      Tensor oneSample = new Tensor("input", DataType.FP32, new long[] {1, 1, 1}, new float[1]);
      assertThatThrownBy(() -> model.infer(List.of(oneSample), Set.of()))
          .isInstanceOf(EngineException.class);
    }
  }
}
