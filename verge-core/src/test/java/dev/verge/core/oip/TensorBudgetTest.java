package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.verge.core.json.Json;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TensorBudgetTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void a_declared_shape_over_the_budget_is_refused_by_arithmetic_naming_input_and_budget() {
    TensorBudget budget = TensorBudget.of(MIB, "max-request-mb");

    assertThatThrownBy(
            () -> budget.reserve("input 'x'", DataType.FP32, new long[] {1_000_000, 784}))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("input 'x'")
        .hasMessageContaining("[1000000, 784] of FP32 takes 3136000000 bytes")
        .hasMessageContaining("tensor budget of 1048576 bytes (max-request-mb)")
        .satisfies(e -> assertThat(((TensorBudgetException) e).overloaded()).isFalse());
    assertThat(budget.used()).isZero();
  }

  @Test
  void shapes_whose_size_overflows_a_long_are_refused_not_wrapped_around() {
    TensorBudget budget = TensorBudget.of(MIB, "test");

    assertThat(TensorBudget.bytesOf(DataType.FP64, new long[] {1L << 40, 1L << 30}))
        .isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(
            () -> budget.reserve("input 'x'", DataType.FP64, new long[] {1L << 40, 1L << 30}))
        .hasMessageContaining("more than 2^63 bytes");
    // 2^62 × 4 wraps to 0 in plain long arithmetic.
    assertThatThrownBy(() -> budget.reserve("input 'y'", DataType.FP32, new long[] {1L << 62}))
        .isInstanceOf(TensorBudgetException.class);
  }

  @Test
  void inputs_of_one_request_add_up() {
    TensorBudget budget = TensorBudget.of(1000, "test");
    budget.reserve("input 'a'", DataType.FP32, new long[] {100});

    assertThatThrownBy(() -> budget.reserve("input 'b'", DataType.FP64, new long[] {100}))
        .hasMessageContaining("input 'b'")
        .hasMessageContaining("400 bytes already taken");
    budget.reserve("input 'c'", DataType.INT8, new long[] {600});
    assertThat(budget.used()).isEqualTo(1000);
  }

  @Test
  void the_pool_refuses_a_request_that_fits_alone_while_others_hold_the_room_then_lets_it_in() {
    TensorBudget.Pool pool = new TensorBudget.Pool(1000, "half the heap");
    TensorBudget first = pool.open(800, "max-request-mb");
    first.reserve("input 'a'", DataType.INT8, new long[] {700});
    TensorBudget second = pool.open(800, "max-request-mb");

    assertThatThrownBy(() -> second.reserve("input 'b'", DataType.INT8, new long[] {400}))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("requests in flight hold 700 of the 1000 bytes")
        .satisfies(e -> assertThat(((TensorBudgetException) e).overloaded()).isTrue());

    first.close();
    second.reserve("input 'b'", DataType.INT8, new long[] {400});
    assertThat(pool.inFlight()).isEqualTo(400);
    second.close();
    second.close();
    assertThat(pool.inFlight()).isZero();
  }

  @Test
  void held_body_bytes_count_in_the_pool_but_not_against_the_tensor_budget() {
    TensorBudget.Pool pool = new TensorBudget.Pool(1000, "pool");
    try (TensorBudget budget = pool.open(100, "request")) {
      budget.hold("the body", 600);
      budget.release(200);
      budget.reserve("input 'a'", DataType.INT8, new long[] {100});
      assertThat(pool.inFlight()).isEqualTo(500);
      assertThatThrownBy(() -> budget.hold("another body", 600))
          .isInstanceOf(TensorBudgetException.class);
    }
    assertThat(pool.inFlight()).isZero();
  }

  @Test
  void the_json_text_bound_holds_for_the_longest_spelling_of_every_type() {
    Map<DataType, Object> longest =
        Map.of(
            DataType.FP32, new float[] {-Float.MIN_NORMAL, -Float.MAX_VALUE, -1.1754942E-38f},
            DataType.FP64, new double[] {-Double.MIN_NORMAL, -Double.MAX_VALUE},
            DataType.INT64, new long[] {Long.MIN_VALUE},
            DataType.INT32, new int[] {Integer.MIN_VALUE},
            DataType.INT16, new short[] {Short.MIN_VALUE},
            DataType.BOOL, new boolean[] {false});
    longest.forEach(
        (type, values) -> {
          int count = java.lang.reflect.Array.getLength(values);
          int text = Json.write(values).length;
          assertThat((long) text)
              .as(type.name())
              .isLessThanOrEqualTo(TensorBudget.jsonTextBytes(type, count) + 2);
        });
  }

  @Test
  void json_and_binary_decoders_check_the_budget_before_allocating() {
    TensorBudget budget = TensorBudget.of(1024, "max-request-mb");
    InferInput huge =
        new InferInput(
            "pixels", List.of(10_000L, 784L), "FP32", null, JsonNodeFactory.instance.arrayNode());

    assertThatThrownBy(() -> TensorCodec.decode(huge, budget))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("input 'pixels'");
    InferInput binary =
        new InferInput(
            "pixels",
            List.of(10_000L, 784L),
            "FP32",
            Map.of(BinaryTensors.SIZE, 31_360_000L),
            null);
    assertThatThrownBy(() -> BinaryTensors.decode(List.of(binary), ByteBuffer.allocate(16), budget))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("input 'pixels'");
  }
}
