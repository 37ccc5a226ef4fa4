package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TensorSpecTest {
  private static final TensorSpec BATCH_OF_PAIRS =
      new TensorSpec("input", DataType.FP32, List.of(-1L, 2L));

  @Test
  void dynamic_dimension_accepts_any_size() {
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {1, 2})).isTrue();
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {64, 2})).isTrue();
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {0, 2})).isTrue();
  }

  @Test
  void fixed_dimension_must_match() {
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {1, 3})).isFalse();
  }

  @Test
  void rank_must_match() {
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {2})).isFalse();
    assertThat(BATCH_OF_PAIRS.accepts(new long[] {1, 2, 1})).isFalse();
  }

  @Test
  void fully_dynamic_and_scalar_specs() {
    TensorSpec anyMatrix = new TensorSpec("m", DataType.INT64, List.of(-1L, -1L));
    TensorSpec scalar = new TensorSpec("s", DataType.FP64, List.of());

    assertThat(anyMatrix.accepts(new long[] {7, 9})).isTrue();
    assertThat(scalar.accepts(new long[] {})).isTrue();
    assertThat(scalar.accepts(new long[] {1})).isFalse();
  }
}
