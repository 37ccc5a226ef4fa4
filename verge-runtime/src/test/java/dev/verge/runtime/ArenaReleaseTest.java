package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArenaReleaseTest {
  @Test
  void a_run_with_large_inputs_releases_and_small_ones_keep_the_arena() throws Exception {
    try (ArenaRelease release = new ArenaRelease(true, Duration.ofHours(1))) {
      assertThat(release.releases(release.forRun(1024))).isFalse();
      assertThat(release.releases(release.forRun(ArenaRelease.LARGE_INPUT_BYTES))).isTrue();
      assertThat(release.releases(release.forRun(ArenaRelease.LARGE_INPUT_BYTES - 1))).isFalse();
    }
  }

  @Test
  void one_run_per_interval_releases_even_when_every_run_is_small() throws Exception {
    try (ArenaRelease release = new ArenaRelease(true, Duration.ofMillis(50))) {
      assertThat(release.releases(release.forRun(16))).isFalse();
      Thread.sleep(60);
      assertThat(release.releases(release.forRun(16))).isTrue();
      // The interval starts again from that release.
      assertThat(release.releases(release.forRun(16))).isFalse();
    }
  }

  @Test
  void without_an_arena_no_run_asks_for_a_release() throws Exception {
    try (ArenaRelease release = new ArenaRelease(false, Duration.ZERO)) {
      assertThat(release.releases(release.forRun(ArenaRelease.LARGE_INPUT_BYTES * 4))).isFalse();
      assertThat(release.releases(release.forRun(1))).isFalse();
    }
  }

  @Test
  void runs_that_release_and_runs_that_keep_answer_the_same() {
    try (OnnxEngine engine = new OnnxEngine(new EngineOptions(1, 1));
        LoadedModel model = engine.load(new ModelSource("pump", 1, TestModels.logistic()))) {
      int rows = (int) (ArenaRelease.LARGE_INPUT_BYTES / Float.BYTES / 2) + 1;
      float[] values = new float[rows * 2];
      for (int i = 0; i < values.length; i++) {
        values[i] = (i % 7) * 0.5f;
      }
      Tensor large = new Tensor("input", DataType.FP32, new long[] {rows, 2}, values);
      Tensor small =
          new Tensor("input", DataType.FP32, new long[] {2, 2}, new float[] {0f, 0f, 3f, 3f});

      float[] before = (float[]) model.infer(List.of(small), Set.of()).get(0).data();
      float[] largeAnswer = (float[]) model.infer(List.of(large), Set.of()).get(0).data();
      float[] after = (float[]) model.infer(List.of(small), Set.of()).get(0).data();

      assertThat(largeAnswer).hasSize(rows * 2);
      assertThat(after).containsExactly(before);
    }
  }
}
