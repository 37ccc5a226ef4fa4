package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TensorCodecTest {
  @Test
  void decodes_flat_fp32() {
    Tensor tensor = decode("x", "FP32", List.of(2L, 2L), "[1, 2.5, -3, 4e2]");

    assertThat(tensor.name()).isEqualTo("x");
    assertThat(tensor.datatype()).isEqualTo(DataType.FP32);
    assertThat(tensor.shape()).containsExactly(2, 2);
    assertThat((float[]) tensor.data()).containsExactly(1f, 2.5f, -3f, 400f);
  }

  @Test
  void decodes_nested_data_row_major() {
    Tensor tensor = decode("x", "FP32", List.of(2L, 3L), "[[1, 2, 3], [4, 5, 6]]");

    assertThat((float[]) tensor.data()).containsExactly(1f, 2f, 3f, 4f, 5f, 6f);
  }

  @Test
  void rejects_nested_data_that_does_not_follow_the_shape() {
    assertThatThrownBy(() -> decode("x", "FP32", List.of(2L, 2L), "[[1, 2, 3], [4]]"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("input 'x'")
        .hasMessageContaining("does not follow shape [2, 2]");
  }

  @Test
  void rejects_fp32_values_outside_its_range() {
    assertThatThrownBy(() -> decode("x", "FP32", List.of(1L), "[1e300]"))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("input 'x': element 0")
        .hasMessageContaining("FP32 range");
  }

  @Test
  void decodes_deeply_nested_data() {
    Tensor tensor =
        decode("x", "INT32", List.of(2L, 2L, 2L), "[[[1, 2], [3, 4]], [[5, 6], [7, 8]]]");

    assertThat((int[]) tensor.data()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
  }

  @Test
  void decodes_fp64_at_full_precision() {
    Tensor tensor = decode("x", "FP64", List.of(2L), "[3.141592653589793, 1e-300]");

    assertThat((double[]) tensor.data()).containsExactly(Math.PI, 1e-300);
  }

  @Test
  void decodes_int8_across_its_range() {
    Tensor tensor = decode("x", "INT8", List.of(3L), "[-128, 0, 127]");

    assertThat((byte[]) tensor.data()).containsExactly(-128, 0, 127);
  }

  @ParameterizedTest
  @ValueSource(strings = {"128", "-129"})
  void rejects_int8_out_of_range(String value) {
    assertRefused("x", "INT8", List.of(1L), "[" + value + "]")
        .hasMessageContaining("input 'x': element 0 is " + value)
        .hasMessageContaining("[-128, 127]");
  }

  @Test
  void decodes_uint8_from_0_to_255() {
    Tensor tensor = decode("pixels", "UINT8", List.of(4L), "[0, 1, 128, 255]");

    assertThat((byte[]) tensor.data()).containsExactly(0, 1, (byte) 128, (byte) 255);
  }

  @ParameterizedTest
  @ValueSource(strings = {"256", "-1"})
  void rejects_uint8_out_of_range(String value) {
    assertRefused("pixels", "UINT8", List.of(2L), "[0, " + value + "]")
        .hasMessageContaining("input 'pixels': element 1 is " + value)
        .hasMessageContaining("outside [0, 255]");
  }

  @Test
  void decodes_int16() {
    Tensor tensor = decode("x", "INT16", List.of(2L), "[-32768, 32767]");

    assertThat((short[]) tensor.data()).containsExactly((short) -32768, (short) 32767);
    assertRefused("x", "INT16", List.of(1L), "[32768]").hasMessageContaining("element 0 is 32768");
  }

  @Test
  void decodes_int32() {
    Tensor tensor = decode("x", "INT32", List.of(2L), "[-2147483648, 2147483647]");

    assertThat((int[]) tensor.data()).containsExactly(Integer.MIN_VALUE, Integer.MAX_VALUE);
    assertRefused("x", "INT32", List.of(1L), "[2147483648]")
        .hasMessageContaining("element 0 is 2147483648");
  }

  @Test
  void decodes_int64_without_losing_large_values() {
    Tensor tensor =
        decode(
            "ids",
            "INT64",
            List.of(3L),
            "[9223372036854775807, -9223372036854775808, 9007199254740993]");

    assertThat((long[]) tensor.data())
        .containsExactly(Long.MAX_VALUE, Long.MIN_VALUE, 9_007_199_254_740_993L);
  }

  @Test
  void rejects_int64_beyond_its_range() {
    assertRefused("ids", "INT64", List.of(1L), "[9223372036854775808]")
        .hasMessageContaining("input 'ids': element 0");
  }

  @Test
  void decodes_bool() {
    Tensor tensor = decode("flags", "BOOL", List.of(3L), "[true, false, true]");

    assertThat((boolean[]) tensor.data()).containsExactly(true, false, true);
  }

  @Test
  void decodes_bytes_as_text() {
    Tensor tensor = decode("words", "BYTES", List.of(1L, 2L), "[[\"pump\", \"Süd 東京\"]]");

    assertThat((String[]) tensor.data()).containsExactly("pump", "Süd 東京");
  }

  @Test
  void decodes_datatype_case_insensitively() {
    assertThat(decode("x", "fp32", List.of(1L), "[1]").datatype()).isEqualTo(DataType.FP32);
  }

  @Test
  void decodes_a_scalar_and_an_empty_tensor() {
    assertThat((float[]) decode("s", "FP32", List.of(), "[7]").data()).containsExactly(7f);
    assertThat((float[]) decode("s", "FP32", List.of(), "7").data()).containsExactly(7f);
    assertThat((float[]) decode("e", "FP32", List.of(0L, 3L), "[]").data()).isEmpty();
  }

  @Test
  void rejects_shape_and_data_count_mismatch_naming_input_and_both_counts() {
    assertRefused("input", "FP32", List.of(2L, 3L), "[1, 2, 3, 4, 5]")
        .hasMessage("input 'input': shape [2, 3] needs 6 elements, data has 5");
  }

  @Test
  void rejects_nested_data_whose_total_differs_from_the_shape() {
    assertRefused("input", "FP32", List.of(2L, 2L), "[[1, 2], [3]]")
        .hasMessageContaining("input 'input'")
        .hasMessageContaining("needs 4 elements, data has 3");
    assertRefused("input", "FP32", List.of(2L, 2L), "[[1, 2], [3, 4], [5, 6]]")
        .hasMessageContaining("needs 4 elements, data has");
  }

  @Test
  void rejects_string_in_fp32() {
    assertRefused("x", "FP32", List.of(2L), "[1.0, \"2.0\"]")
        .hasMessage("input 'x': element 1 is \"2.0\", expected a number");
  }

  @Test
  void rejects_fraction_in_int32() {
    assertRefused("x", "INT32", List.of(2L), "[1, 1.5]")
        .hasMessage("input 'x': element 1 is 1.5, expected an integer");
  }

  @Test
  void rejects_number_in_bool() {
    assertRefused("flags", "BOOL", List.of(2L), "[true, 1]")
        .hasMessage("input 'flags': element 1 is 1, expected true or false");
  }

  @Test
  void rejects_number_in_bytes() {
    assertRefused("words", "BYTES", List.of(1L), "[42]")
        .hasMessageContaining("element 0 is 42, expected a string");
  }

  @Test
  void rejects_object_inside_data() {
    assertRefused("x", "FP32", List.of(1L), "[{\"v\": 1}]")
        .hasMessageContaining("input 'x': data holds an object");
  }

  @Test
  void rejects_input_without_name() {
    assertThatThrownBy(() -> TensorCodec.decode(input(null, "FP32", List.of(1L), "[1]")))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("an input has no name");
    assertThatThrownBy(() -> TensorCodec.decode(input("  ", "FP32", List.of(1L), "[1]")))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("an input has no name");
  }

  @Test
  void rejects_input_without_shape() {
    assertRefused("x", "FP32", null, "[1]").hasMessage("input 'x' has no shape");
  }

  @Test
  void rejects_input_without_datatype() {
    assertRefused("x", null, List.of(1L), "[1]").hasMessage("input 'x' has no datatype");
  }

  @Test
  void rejects_input_without_data() {
    assertRefused("x", "FP32", List.of(1L), null).hasMessage("input 'x' has no data");
    assertRefused("x", "FP32", List.of(1L), "null").hasMessage("input 'x' has no data");
  }

  @Test
  void rejects_null_input() {
    assertThatThrownBy(() -> TensorCodec.decode(null))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("null");
  }

  @Test
  void rejects_unknown_datatype() {
    assertRefused("x", "FLOAT", List.of(1L), "[1]")
        .hasMessage("input 'x' has unknown datatype 'FLOAT'");
  }

  @Test
  void decodes_half_floats_to_their_bits_and_answers_their_values() {
    Tensor fp16 = decode("x", "FP16", List.of(3L), "[0.5, -65504, 1e-8]");
    Tensor bf16 = decode("x", "BF16", List.of(2L), "[1.5, -3.0e38]");

    assertThat((short[]) fp16.data())
        .containsExactly(HalfFloats.fp16(0.5f), HalfFloats.fp16(-65504f), HalfFloats.fp16(1e-8f));
    assertThat(TensorCodec.encode(fp16).data()).isEqualTo(new float[] {0.5f, -65504f, 0f});
    assertThat((float[]) TensorCodec.encode(bf16).data())
        .containsExactly(1.5f, HalfFloats.fromBf16(HalfFloats.bf16(-3.0e38f)));
    assertRefused("x", "FP16", List.of(1L), "[65520]")
        .hasMessage("input 'x': element 0 is 65520.0, outside the FP16 range");
    assertRefused("x", "BF16", List.of(1L), "[\"1\"]").hasMessageContaining("expected a number");
  }

  @Test
  void decodes_unsigned_types_over_their_whole_range_and_refuses_beyond_it() {
    Tensor u16 = decode("x", "UINT16", List.of(2L), "[0, 65535]");
    Tensor u32 = decode("x", "UINT32", List.of(2L), "[0, 4294967295]");
    Tensor u64 = decode("x", "UINT64", List.of(2L), "[1, 18446744073709551615]");

    assertThat((short[]) u16.data()).containsExactly((short) 0, (short) -1);
    assertThat((int[]) u32.data()).containsExactly(0, -1);
    assertThat((long[]) u64.data()).containsExactly(1L, -1L);
    assertThat(Json.mapper().valueToTree(TensorCodec.encode(u64).data()).toString())
        .isEqualTo("[1,18446744073709551615]");
    assertThat(Json.mapper().valueToTree(TensorCodec.encode(u32).data()).toString())
        .isEqualTo("[0,4294967295]");
    assertRefused("x", "UINT16", List.of(1L), "[65536]")
        .hasMessage("input 'x': element 0 is 65536, outside [0, 65535]");
    assertRefused("x", "UINT32", List.of(1L), "[-1]")
        .hasMessage("input 'x': element 0 is -1, outside [0, 4294967295]");
    assertRefused("x", "UINT64", List.of(1L), "[18446744073709551616]")
        .hasMessage(
            "input 'x': element 0 is 18446744073709551616, outside [0, 18446744073709551615]");
  }

  @Test
  void rejects_negative_dimension() {
    assertRefused("x", "FP32", List.of(-1L, 2L), "[1, 2]")
        .hasMessageContaining("input 'x'")
        .hasMessageContaining("[-1, 2]")
        .hasMessageContaining("negative");
  }

  @Test
  void rejects_shape_beyond_the_element_limit_as_too_large() {
    assertThatThrownBy(() -> decode("x", "FP32", List.of(1L << 20, 1L << 20), "[1]"))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("more than " + TensorCodec.MAX_ELEMENTS + " elements");
    assertThatThrownBy(() -> decode("x", "FP32", List.of(Long.MAX_VALUE, 2L), "[1]"))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("more than");
  }

  @Test
  void large_declared_shape_with_tiny_data_is_refused_without_allocating_for_the_shape() {
    // A client declaring the largest shape allowed but sending one element must not make the
    // server reserve room for 64 Mi elements (hundreds of MB on a small device).
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    InferInput input = input("x", "FP32", List.of(TensorCodec.MAX_ELEMENTS), "[1]");
    long before = threads.getCurrentThreadAllocatedBytes();

    assertThatThrownBy(() -> TensorCodec.decode(input))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("data has 1");

    assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(8L * 1024 * 1024);
  }

  @Test
  void binary_data_size_without_data_points_to_the_binary_decoder() {
    InferInput input =
        new InferInput("x", List.of(4L), "FP32", Map.of("binary_data_size", 16), null);

    assertThatThrownBy(() -> TensorCodec.decode(input))
        .isInstanceOf(ProtocolException.class)
        .hasMessageContaining("input 'x' has binary_data_size")
        .hasMessageContaining("BinaryTensors");
  }

  @Test
  void encodes_uint8_as_unsigned_ints() {
    Tensor tensor =
        new Tensor("pixels", DataType.UINT8, new long[] {1, 3}, new byte[] {0, 127, (byte) 255});

    InferOutput output = TensorCodec.encode(tensor);

    assertThat(output.name()).isEqualTo("pixels");
    assertThat(output.datatype()).isEqualTo("UINT8");
    assertThat(output.shape()).containsExactly(1L, 3L);
    assertThat((int[]) output.data()).containsExactly(0, 127, 255);
    assertThat(Json.writeString(output)).contains("\"data\":[0,127,255]");
  }

  @Test
  void encodes_other_types_as_their_arrays() {
    InferOutput fp32 =
        TensorCodec.encode(new Tensor("p", DataType.FP32, new long[] {2}, new float[] {0.25f, 1f}));
    InferOutput int8 =
        TensorCodec.encode(new Tensor("q", DataType.INT8, new long[] {1}, new byte[] {-5}));

    assertThat(Json.writeString(fp32)).contains("\"data\":[0.25,1.0]");
    assertThat(Json.writeString(int8)).contains("\"data\":[-5]");
  }

  @Test
  void encoded_tensors_decode_back_to_equal_tensors() {
    List<Tensor> tensors =
        List.of(
            new Tensor("a", DataType.FP32, new long[] {2}, new float[] {1.5f, -2f}),
            new Tensor("b", DataType.FP64, new long[] {1}, new double[] {Math.E}),
            new Tensor("c", DataType.UINT8, new long[] {2}, new byte[] {0, (byte) 200}),
            new Tensor("d", DataType.INT8, new long[] {1}, new byte[] {-7}),
            new Tensor("e", DataType.INT16, new long[] {1}, new short[] {-300}),
            new Tensor("f", DataType.INT32, new long[] {2, 1}, new int[] {7, -7}),
            new Tensor("g", DataType.INT64, new long[] {1}, new long[] {1L << 60}),
            new Tensor("h", DataType.BOOL, new long[] {2}, new boolean[] {true, false}),
            new Tensor("i", DataType.BYTES, new long[] {1}, new String[] {"ok"}));

    for (Tensor tensor : tensors) {
      JsonNode json = Json.tree(Json.write(TensorCodec.encode(tensor)));
      InferInput asInput = Json.convert(json, InferInput.class);

      assertThat(TensorCodec.decode(asInput)).as(tensor.toString()).isEqualTo(tensor);
    }
  }

  @Test
  void tensor_refuses_data_that_does_not_fit_its_shape_or_type() {
    assertThatThrownBy(() -> new Tensor("x", DataType.FP32, new long[] {3}, new float[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs 3 elements, data has 2");
    assertThatThrownBy(() -> new Tensor("x", DataType.FP32, new long[] {2}, new double[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("float[]");
  }

  private static Tensor decode(String name, String datatype, List<Long> shape, String data) {
    return TensorCodec.decode(input(name, datatype, shape, data));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      String name, String datatype, List<Long> shape, String data) {
    return assertThatThrownBy(() -> decode(name, datatype, shape, data))
        .isInstanceOf(ProtocolException.class);
  }

  private static InferInput input(String name, String datatype, List<Long> shape, String data) {
    JsonNode json = data == null ? null : Json.tree(data.getBytes(StandardCharsets.UTF_8));
    return new InferInput(name, shape, datatype, null, json);
  }
}
