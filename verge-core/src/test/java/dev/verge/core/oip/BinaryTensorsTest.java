package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryTensorsTest {
  private static final List<Tensor> EVERY_TYPE =
      List.of(
          new Tensor("a", DataType.FP32, new long[] {2, 2}, new float[] {1.5f, -2f, 0f, 3e38f}),
          new Tensor("b", DataType.FP64, new long[] {2}, new double[] {Math.E, -1e-300}),
          new Tensor("c", DataType.UINT8, new long[] {3}, new byte[] {0, 127, (byte) 255}),
          new Tensor("d", DataType.INT8, new long[] {2}, new byte[] {-128, 127}),
          new Tensor("e", DataType.INT16, new long[] {2}, new short[] {-32768, 300}),
          new Tensor("f", DataType.INT32, new long[] {2, 1}, new int[] {Integer.MIN_VALUE, 7}),
          new Tensor("g", DataType.INT64, new long[] {2}, new long[] {1L << 60, -1}),
          new Tensor("h", DataType.BOOL, new long[] {3}, new boolean[] {true, false, true}),
          new Tensor("i", DataType.BYTES, new long[] {3}, new String[] {"ok", "", "Süd 東京"}),
          new Tensor("j", DataType.FP32, new long[] {0, 2}, new float[0]),
          new Tensor("k", DataType.BYTES, new long[] {}, new String[] {"scalar"}));

  @Test
  void every_datatype_round_trips_through_its_binary_section() {
    for (Tensor tensor : EVERY_TYPE) {
      byte[] section = BinaryTensors.encode(tensor);

      List<Tensor> decoded =
          BinaryTensors.decode(List.of(binaryInput(tensor, section.length)), wrap(section));

      assertThat(decoded).as(tensor.toString()).containsExactly(tensor);
    }
  }

  @Test
  void all_datatypes_in_one_body_decode_in_input_order() {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    List<InferInput> inputs = new ArrayList<>();
    for (Tensor tensor : EVERY_TYPE) {
      byte[] section = BinaryTensors.encode(tensor);
      body.writeBytes(section);
      inputs.add(binaryInput(tensor, section.length));
    }

    assertThat(BinaryTensors.decode(inputs, wrap(body.toByteArray())))
        .containsExactlyElementsOf(EVERY_TYPE);
  }

  @Test
  void encodes_little_endian_row_major() {
    Tensor fp32 = new Tensor("x", DataType.FP32, new long[] {2}, new float[] {1f, -2f});
    Tensor int32 = new Tensor("x", DataType.INT32, new long[] {2}, new int[] {1, 0x01020304});
    Tensor int16 = new Tensor("x", DataType.INT16, new long[] {1}, new short[] {0x0102});
    Tensor bool = new Tensor("x", DataType.BOOL, new long[] {2}, new boolean[] {true, false});

    assertThat(BinaryTensors.encode(fp32))
        .containsExactly(0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0);
    assertThat(BinaryTensors.encode(int32)).containsExactly(1, 0, 0, 0, 4, 3, 2, 1);
    assertThat(BinaryTensors.encode(int16)).containsExactly(2, 1);
    assertThat(BinaryTensors.encode(bool)).containsExactly(1, 0);
  }

  @Test
  void encodes_bytes_elements_as_length_and_utf8() {
    Tensor bytes = new Tensor("w", DataType.BYTES, new long[] {2}, new String[] {"ab", "é"});

    assertThat(BinaryTensors.encode(bytes))
        .containsExactly(2, 0, 0, 0, 'a', 'b', 2, 0, 0, 0, (byte) 0xc3, (byte) 0xa9);
  }

  @Test
  void mixes_json_and_binary_inputs_taking_sections_in_order() {
    InferInput json = jsonInput("j", "INT32", List.of(2L), "[5, 6]");
    InferInput first = input("b1", "INT16", List.of(1L), 2);
    InferInput second = input("b2", "UINT8", List.of(3L), 3);

    List<Tensor> tensors =
        BinaryTensors.decode(List.of(first, json, second), wrap(new byte[] {9, 0, 1, 2, 3}));

    assertThat(tensors)
        .containsExactly(
            new Tensor("b1", DataType.INT16, new long[] {1}, new short[] {9}),
            new Tensor("j", DataType.INT32, new long[] {2}, new int[] {5, 6}),
            new Tensor("b2", DataType.UINT8, new long[] {3}, new byte[] {1, 2, 3}));
  }

  @Test
  void json_only_requests_decode_without_a_binary_part() {
    assertThat(
            BinaryTensors.decode(List.of(jsonInput("x", "FP32", List.of(1L), "[2]")), null)
                .getFirst()
                .data())
        .isEqualTo(new float[] {2f});
  }

  @Test
  void decodes_a_binary_data_size_read_from_json() {
    String request =
        """
        {"inputs": [{"name": "x", "shape": [2], "datatype": "INT8",
                     "parameters": {"binary_data_size": 2}}]}
        """;
    InferRequest parsed = Json.read(request.getBytes(StandardCharsets.UTF_8), InferRequest.class);

    assertThat(BinaryTensors.decode(parsed.inputs(), wrap(new byte[] {-1, 1})).getFirst().data())
        .isEqualTo(new byte[] {-1, 1});
  }

  @Test
  void refuses_a_size_that_does_not_match_shape_and_type() {
    assertRefused(input("x", "FP32", List.of(1L, 2L), 12), new byte[12])
        .hasMessage("input 'x': binary_data_size is 12, but shape [1, 2] of FP32 needs 8 bytes");
  }

  @Test
  void refuses_binary_data_shorter_than_declared() {
    assertRefused(input("x", "FP32", List.of(1L, 2L), 8), new byte[5])
        .hasMessage(
            "input 'x': binary_data_size is 8, but only 5 bytes of binary data are left for it");
  }

  @Test
  void refuses_a_second_input_whose_section_is_cut_short() {
    List<InferInput> inputs =
        List.of(input("a", "INT32", List.of(1L), 4), input("b", "INT32", List.of(1L), 4));

    assertThatThrownBy(() -> BinaryTensors.decode(inputs, wrap(new byte[6])))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("input 'b': binary_data_size is 4, but only 2 bytes");
  }

  @Test
  void refuses_trailing_bytes_naming_the_last_binary_input() {
    assertRefused(input("x", "UINT8", List.of(2L), 2), new byte[3])
        .hasMessage(
            "the body has 1 bytes of binary data after the section of input 'x', the last input"
                + " with binary_data_size");
  }

  @Test
  void refuses_binary_bytes_when_no_input_is_binary() {
    assertRefused(jsonInput("x", "FP32", List.of(1L), "[1]"), new byte[4])
        .hasMessage(
            "the body has 4 bytes of binary data after its JSON header, but no input has"
                + " binary_data_size");
  }

  @Test
  void refuses_both_data_and_binary_data_size() {
    InferInput both =
        new InferInput(
            "x",
            List.of(1L),
            "FP32",
            Map.of("binary_data_size", 4),
            Json.tree("[1]".getBytes(StandardCharsets.UTF_8)));

    assertRefused(both, new byte[4])
        .hasMessage("input 'x' has both 'data' and binary_data_size: send one of them");
  }

  @Test
  void refuses_binary_data_size_in_a_request_without_a_binary_part() {
    assertThatThrownBy(
            () -> BinaryTensors.decode(List.of(input("x", "FP32", List.of(1L), 4)), null))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("input 'x' has binary_data_size 4, but the request has no binary")
        .hasMessageContaining("Inference-Header-Content-Length");
  }

  @Test
  void refuses_a_binary_data_size_that_is_not_a_non_negative_whole_number() {
    for (Object size : List.of(-4, "4", 4.5, true)) {
      Map<String, Object> parameters = new HashMap<>();
      parameters.put("binary_data_size", size);
      InferInput input = new InferInput("x", List.of(1L), "FP32", parameters, null);

      assertRefused(input, new byte[4])
          .hasMessage(
              "input 'x': binary_data_size must be a non-negative whole number, got " + size);
    }
  }

  @Test
  void checks_name_type_and_shape_as_json_inputs_do() {
    assertRefused(input("x", "FP16", List.of(1L), 4), new byte[4])
        .hasMessage("input 'x': binary_data_size is 4, but shape [1] of FP16 needs 2 bytes");
    assertRefused(input("x", "FLOAT", List.of(1L), 4), new byte[4])
        .hasMessage("input 'x' has unknown datatype 'FLOAT'");
    assertRefused(input("x", "FP32", null, 4), new byte[4]).hasMessage("input 'x' has no shape");
    assertRefused(input(null, "FP32", List.of(1L), 4), new byte[4])
        .hasMessage("an input has no name");
  }

  @Test
  void refuses_bool_bytes_other_than_0_and_1() {
    assertRefused(input("flags", "BOOL", List.of(2L), 2), new byte[] {1, 2})
        .hasMessage("input 'flags': element 1 is byte 2, not 0 or 1");
  }

  @Test
  void refuses_bytes_element_longer_than_its_section() {
    byte[] section = {5, 0, 0, 0, 'a', 'b'};

    assertRefused(input("w", "BYTES", List.of(1L), section.length), section)
        .hasMessage(
            "input 'w': element 0 says it has 5 bytes, but only 2 are left in its"
                + " binary_data_size");
  }

  @Test
  void refuses_bytes_length_that_would_be_negative_as_a_signed_int() {
    byte[] section = {-1, -1, -1, -1, 'a', 'b', 'c', 'd'};

    assertRefused(input("w", "BYTES", List.of(2L), section.length), section)
        .hasMessageContaining("element 0 says it has 4294967295 bytes");
  }

  @Test
  void refuses_bytes_section_with_fewer_elements_than_the_shape() {
    byte[] section = {4, 0, 0, 0, 'a', 'b', 'c', 'd'};

    assertRefused(input("w", "BYTES", List.of(2L), section.length), section)
        .hasMessage(
            "input 'w': its binary_data_size ends inside the length of element 1 of 2 BYTES"
                + " elements");
  }

  @Test
  void refuses_bytes_section_with_bytes_after_its_elements() {
    byte[] section = {1, 0, 0, 0, 'a', 'z', 'z'};

    assertRefused(input("w", "BYTES", List.of(1L), section.length), section)
        .hasMessage("input 'w': its binary_data_size has 2 bytes after its 1 BYTES elements");
  }

  @Test
  void refuses_bytes_section_too_small_for_the_shape_before_allocating() {
    assertRefused(input("w", "BYTES", List.of(TensorCodec.MAX_ELEMENTS), 4), new byte[4])
        .hasMessageStartingWith("input 'w': binary_data_size is 4, too small for the 67108864");
  }

  @Test
  void refuses_bytes_element_that_is_not_utf8() {
    byte[] section = {2, 0, 0, 0, (byte) 0xc3, 0x28};

    assertRefused(input("w", "BYTES", List.of(1L), section.length), section)
        .hasMessage("input 'w': element 0 is not valid UTF-8");
  }

  @Test
  void reads_the_header_length() {
    assertThat(BinaryTensors.headerLength("12", 20)).isEqualTo(12);
    assertThat(BinaryTensors.headerLength(" 20 ", 20)).isEqualTo(20);
    assertThat(BinaryTensors.headerLength("0", 0)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "ten", "1.5", "99999999999999999999"})
  void refuses_a_header_length_that_is_not_a_number(String value) {
    assertThatThrownBy(() -> BinaryTensors.headerLength(value, 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("Inference-Header-Content-Length is ");
  }

  @Test
  void refuses_an_absent_negative_or_too_long_header_length() {
    assertThatThrownBy(() -> BinaryTensors.headerLength(null, 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessageStartingWith("Inference-Header-Content-Length is empty");
    assertThatThrownBy(() -> BinaryTensors.headerLength("-1", 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("Inference-Header-Content-Length is -1, a negative length");
    assertThatThrownBy(() -> BinaryTensors.headerLength("21", 20))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("Inference-Header-Content-Length is 21, longer than the 20-byte body");
  }

  @Test
  void outputs_are_json_unless_binary_is_asked_for() {
    InferRequest plain = new InferRequest(null, null, List.of(), null);

    assertThat(BinaryTensors.binaryOutputs(plain, List.of("y", "z"))).isEmpty();
  }

  @Test
  void binary_data_output_makes_every_output_binary_unless_one_says_otherwise() {
    InferRequest all =
        new InferRequest(
            null,
            Map.of("binary_data_output", true),
            List.of(),
            List.of(
                new InferRequest.RequestedOutput("y", null),
                new InferRequest.RequestedOutput("z", Map.of("binary_data", false))));

    assertThat(BinaryTensors.binaryOutputs(all, List.of("y", "z"))).containsExactly("y");
  }

  @Test
  void binary_data_on_one_output_makes_only_that_output_binary() {
    InferRequest one =
        new InferRequest(
            null,
            Map.of("binary_data_output", false),
            List.of(),
            List.of(
                new InferRequest.RequestedOutput("y", Map.of("binary_data", true)),
                new InferRequest.RequestedOutput("z", Map.of())));

    assertThat(BinaryTensors.binaryOutputs(one, List.of("y", "z"))).containsExactly("y");
  }

  @Test
  void refuses_binary_flags_that_are_not_booleans() {
    InferRequest request =
        new InferRequest(null, Map.of("binary_data_output", "yes"), List.of(), null);
    InferRequest output =
        new InferRequest(
            null,
            null,
            List.of(),
            List.of(new InferRequest.RequestedOutput("y", Map.of("binary_data", 1))));

    assertThatThrownBy(() -> BinaryTensors.binaryOutputs(request, List.of("y")))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("request parameter binary_data_output must be true or false, got yes");
    assertThatThrownBy(() -> BinaryTensors.binaryOutputs(output, List.of("y")))
        .isInstanceOf(ProtocolException.class)
        .hasMessage("output 'y': parameter binary_data must be true or false, got 1");
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      InferInput input, byte[] binary) {
    return assertThatThrownBy(() -> BinaryTensors.decode(List.of(input), wrap(binary)))
        .isInstanceOf(ProtocolException.class);
  }

  private static ByteBuffer wrap(byte[] bytes) {
    // A buffer that starts past its array's start and is big-endian, as a server's slice may be.
    byte[] padded = new byte[bytes.length + 3];
    System.arraycopy(bytes, 0, padded, 3, bytes.length);
    return ByteBuffer.wrap(padded, 3, bytes.length).order(ByteOrder.BIG_ENDIAN);
  }

  private static InferInput binaryInput(Tensor tensor, int size) {
    return input(
        tensor.name(),
        tensor.datatype().name(),
        Arrays.stream(tensor.shape()).boxed().toList(),
        size);
  }

  private static InferInput input(String name, String datatype, List<Long> shape, int size) {
    return new InferInput(name, shape, datatype, Map.of("binary_data_size", size), null);
  }

  private static InferInput jsonInput(String name, String datatype, List<Long> shape, String data) {
    JsonNode json = Json.tree(data.getBytes(StandardCharsets.UTF_8));
    return new InferInput(name, shape, datatype, null, json);
  }
}
