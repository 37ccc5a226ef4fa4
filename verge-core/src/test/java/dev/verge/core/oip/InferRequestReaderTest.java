package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferRequestReaderTest {
  private static final String REQUEST =
      """
      {
        "id": "req-42",
        "parameters": {"sequence_id": 7, "binary_data_output": false},
        "inputs": [
          {"name": "input", "shape": [2, 3], "datatype": "FP32",
           "data": [[0.5, 1, 1.5], [2, 2.5, 3]]},
          {"name": "site", "shape": [1], "datatype": "BYTES",
           "parameters": {"content_type": "str"}, "data": ["plant-7"]},
          {"name": "pixels", "shape": [2, 2], "datatype": "UINT8", "data": [0, 64, 128, 255]},
          {"name": "ids", "shape": [2], "datatype": "INT64",
           "data": [9223372036854775807, -9223372036854775808]},
          {"name": "flags", "shape": [1, 2], "datatype": "BOOL", "data": [[true, false]]},
          {"name": "e", "shape": [0, 3], "datatype": "FP64", "data": []},
          {"name": "s", "shape": [], "datatype": "INT32", "data": 7}
        ],
        "outputs": [{"name": "output", "parameters": {"binary_data": true}}, null],
        "unknown": {"ignored": [1, 2, {"x": null}]}
      }
      """;

  @Test
  void reads_a_whole_request_as_the_tree_reader_does() {
    DecodedRequest request = read(REQUEST);
    InferRequest tree = Json.read(bytes(REQUEST), InferRequest.class);

    assertThat(request.id()).isEqualTo("req-42");
    assertThat(request.parameters()).isEqualTo(tree.parameters());
    assertThat(request.outputs()).isEqualTo(tree.outputs());
    assertThat(request.outputs().get(0).parameters()).containsEntry("binary_data", true);
    assertThat(request.outputs().get(1)).isNull();
    assertThat(request.inputs())
        .containsExactlyElementsOf(tree.inputs().stream().map(TensorCodec::decode).toList());
    assertThat((float[]) request.inputs().get(0).data())
        .containsExactly(0.5f, 1f, 1.5f, 2f, 2.5f, 3f);
    assertThat((int[]) request.inputs().get(6).data()).containsExactly(7);
  }

  @Test
  void reads_half_floats_and_unsigned_types_as_the_tree_reader_does() {
    String request =
        """
        {"inputs": [
          {"name": "h", "shape": [3], "datatype": "FP16", "data": [0.5, -65504, 1e-8]},
          {"name": "b", "shape": [2], "datatype": "BF16", "data": [1.5, -3.0e38]},
          {"name": "u16", "shape": [2], "datatype": "UINT16", "data": [0, 65535]},
          {"name": "u32", "shape": [2], "datatype": "UINT32", "data": [0, 4294967295]},
          {"name": "u64", "shape": [3], "datatype": "UINT64",
           "data": [1, 9223372036854775808, 18446744073709551615]}
        ]}
        """;
    InferRequest tree = Json.read(bytes(request), InferRequest.class);

    List<Tensor> inputs = read(request).inputs();

    assertThat(inputs)
        .containsExactlyElementsOf(tree.inputs().stream().map(TensorCodec::decode).toList());
    assertThat((long[]) inputs.get(4).data()).containsExactly(1L, Long.MIN_VALUE, -1L);
    assertRefused(request("x", "FP16", "[1]", "[65520]"))
        .hasMessage("input 'x': element 0 is 65520.0, outside the FP16 range");
    assertRefused(request("x", "BF16", "[1]", "[1e39]"))
        .hasMessage("input 'x': element 0 is 1.0E39, outside the BF16 range");
    assertRefused(request("x", "UINT32", "[1]", "[4294967296]"))
        .hasMessage("input 'x': element 0 is 4294967296, outside [0, 4294967295]");
    assertRefused(request("x", "UINT64", "[2]", "[1, -1]"))
        .hasMessage("input 'x': element 1 is -1, outside [0, 18446744073709551615]");
  }

  @Test
  void request_without_id_parameters_or_outputs_reads_them_as_null() {
    DecodedRequest request =
        read("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"INT64\",\"data\":[5]}]}");

    assertThat(request.id()).isNull();
    assertThat(request.parameters()).isNull();
    assertThat(request.outputs()).isNull();
    assertThat((long[]) request.inputs().getFirst().data()).containsExactly(5L);
    assertThat(read("{}").inputs()).isNull();
  }

  @Test
  void data_before_name_datatype_and_shape_is_read_once_the_input_ends() {
    String request =
        """
        {"inputs": [
          {"data": [[1, 2], [3, 4]], "shape": [2, 2], "name": "x", "datatype": "FP32"},
          {"data": 9, "name": "lone", "shape": [], "datatype": "INT8"},
          {"name": "y", "datatype": "INT16", "data": [5, 6], "shape": [2]}
        ]}
        """;

    List<Tensor> inputs = read(request).inputs();

    assertThat((float[]) inputs.get(0).data()).containsExactly(1f, 2f, 3f, 4f);
    assertThat((byte[]) inputs.get(1).data()).containsExactly(9);
    assertThat((short[]) inputs.get(2).data()).containsExactly((short) 5, (short) 6);
  }

  @Test
  void a_lone_scalar_leaves_the_fields_after_it_to_the_request() {
    String request =
        """
        {"inputs": [{"name": "s", "shape": [], "datatype": "FP32", "data": 2.5,
                     "parameters": {"p": 1}}],
         "id": "after"}
        """;

    DecodedRequest decoded = read(request);

    assertThat((float[]) decoded.inputs().getFirst().data()).containsExactly(2.5f);
    assertThat(decoded.id()).isEqualTo("after");
  }

  /** Every data refusal names the input and element as the tree reader's does, word for word. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "FP32  | [2, 3]    | [1, 2, 3, 4, 5]",
        "FP32  | [2, 2]    | [[1, 2], [3]]",
        "FP32  | [2, 2]    | [[1, 2], [3, 4], [5, 6]]",
        "FP32  | [2, 2]    | [[1, 2, 3], [4]]",
        "FP32  | [2]       | [[1, 2]]",
        "FP32  | [2, 2]    | [1, [2, 3], 4]",
        "FP32  | [2]       | [1.0, \"2.0\"]",
        "FP32  | [2]       | [1.0, null]",
        "INT32 | [2]       | [1, 1.5]",
        "INT32 | [1]       | [2147483648]",
        "INT8  | [1]       | [128]",
        "INT8  | [1]       | [-129]",
        "UINT8 | [2]       | [0, 256]",
        "UINT8 | [2]       | [0, -1]",
        "UINT16 | [1]      | [65536]",
        "UINT32 | [1]      | [-1]",
        "UINT64 | [1]      | [18446744073709551616]",
        "FP16  | [1]       | [65520]",
        "BF16  | [1]       | [\"1\"]",
        "INT16 | [1]       | [32768]",
        "INT64 | [1]       | [9223372036854775808]",
        "BOOL  | [2]       | [true, 1]",
        "BYTES | [1]       | [42]",
        "FP32  | [1]       | [{\"v\": 1}]",
        "FP32  | [1]       | {\"v\": 1}",
        "FP32  | [1]       | \"7\"",
        "FP32  | [2, 2]    | [[1, 2], 3]",
        "FP32  | [1, 2]    | [[1, [2]]]",
      })
  void refuses_bad_data_with_the_tree_readers_message(String datatype, String shape, String data) {
    String request = request("x", datatype, shape, data);
    Throwable tree =
        catchThrowable(
            () ->
                TensorCodec.decode(
                    Json.read(bytes(request), InferRequest.class).inputs().getFirst()));

    assertThat(tree).isInstanceOf(ProtocolException.class).hasMessageStartingWith("input 'x'");
    assertRefused(request).hasMessage(tree.getMessage());
  }

  @Test
  void messages_name_the_input_the_element_and_what_was_wrong() {
    assertRefused(request("x", "FP32", "[2, 3]", "[1, 2, 3, 4, 5]"))
        .hasMessage("input 'x': shape [2, 3] needs 6 elements, data has 5");
    assertRefused(request("x", "FP32", "[2, 2]", "[[1, 2, 3], [4]]"))
        .hasMessage(
            "input 'x': nested data does not follow shape [2, 2] (dimension 1 should have 2"
                + " entries)");
    assertRefused(request("x", "FP32", "[2]", "[1.0, \"2.0\"]"))
        .hasMessage("input 'x': element 1 is \"2.0\", expected a number");
    assertRefused(request("x", "INT64", "[1]", "[9223372036854775808]"))
        .hasMessage(
            "input 'x': element 0 is 9223372036854775808, outside [-9223372036854775808,"
                + " 9223372036854775807]");
    assertRefused(request("x", "FP64", "[1]", "[1e400]"))
        .hasMessage("input 'x': element 0 is 1e400, outside the FP64 range");
    assertRefused(request("x", "INT64", "[1]", "[1e2]"))
        .hasMessage("input 'x': element 0 is 1e2, expected an integer");
    assertRefused(request("x", "FP32", "[1]", "[1e300]"))
        .hasMessage("input 'x': element 0 is 1.0E300, outside the FP32 range");
    assertRefused(request("x", "FP32", "[2, 2]", "[1, [2, 3], 4]"))
        .hasMessage(
            "input 'x': data mixes values and nested arrays; send it flat or nested as shape"
                + " [2, 2]");
  }

  @Test
  void long_values_are_cut_short_in_messages() {
    String longText = "a".repeat(5000);

    assertRefused(request("x", "FP32", "[1]", "[\"" + longText + "\"]"))
        .hasMessage("input 'x': element 0 is \"" + "a".repeat(40) + "...\", expected a number");
  }

  @Test
  void counts_all_the_elements_sent_beyond_the_shape() {
    assertRefused(request("x", "FP32", "[2]", "[1, 2, 3, 4, 5, 6, 7]"))
        .hasMessage("input 'x': shape [2] needs 2 elements, data has 7");
  }

  @Test
  void declared_checks_come_first_and_name_the_input() {
    assertRefused(request(null, "FP32", "[1]", "[1]")).hasMessage("an input has no name");
    assertRefused(request("x", "FLOAT", "[1]", "[1]"))
        .hasMessage("input 'x' has unknown datatype 'FLOAT'");
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"datatype\":\"FP32\",\"data\":[1]}]}")
        .hasMessage("input 'x' has no shape");
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"data\":[1]}]}")
        .hasMessage("input 'x' has no datatype");
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\"}]}")
        .hasMessage("input 'x' has no data");
    assertRefused(request("x", "FP32", "[1]", "null")).hasMessage("input 'x' has no data");
    assertRefused(request("x", "FP32", "[-1, 2]", "[1, 2]"))
        .hasMessage("input 'x': shape [-1, 2] has a negative or null dimension");
  }

  @Test
  void a_shape_past_the_element_limit_is_too_large_not_malformed() {
    // A 413 at the door, as a shape over the request's budget is, not a 400.
    assertThatThrownBy(() -> read(request("x", "FP32", "[1048576, 1048576]", "[1]")))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("input 'x'")
        .hasMessageContaining("more than " + TensorCodec.MAX_ELEMENTS + " elements");
    assertThatThrownBy(() -> read(request("x", "FP32", "[99999999999999999999999]", "[1]")))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("more than " + TensorCodec.MAX_ELEMENTS + " elements");
  }

  @Test
  void refuses_fields_of_the_wrong_json_type_by_name() {
    assertRefused(request("x", "FP32", "\"2x3\"", "[1]"))
        .hasMessage("input 'x': shape must be a list of whole numbers, got \"2x3\"");
    assertRefused(request("x", "FP32", "[1.5]", "[1]"))
        .hasMessage("input 'x': shape must be a list of whole numbers, it holds 1.5");
    assertRefused("{\"inputs\":[{\"name\":5}]}")
        .hasMessage("inputs[0]: name must be a string, got 5");
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"datatype\":[\"FP32\"]}]}")
        .hasMessage("input 'x': datatype must be a string, got a list");
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"parameters\":[]}]}")
        .hasMessage("input 'x': parameters must be an object, got a list");
    assertRefused("{\"inputs\": {\"name\": \"x\"}}")
        .hasMessage("inputs must be a list of input objects");
    assertRefused("{\"inputs\": [null]}").hasMessage("inputs holds a null entry");
    assertRefused("{\"inputs\": [7]}").hasMessage("inputs[0] is 7, not an input object");
    assertRefused("{\"outputs\": [\"y\"]}").hasMessage("outputs[0] is \"y\", not an output object");
    assertRefused("{\"outputs\": {}}").hasMessageContaining("outputs must be a list");
    assertRefused("{\"id\": {}}").hasMessage("the request's id must be a string");
  }

  @Test
  void refuses_a_field_given_twice() {
    assertRefused("{\"inputs\":[{\"name\":\"x\",\"data\":[1],\"data\":[2]}]}")
        .hasMessage("input 'x' has 'data' twice");
    assertRefused("{\"inputs\":[],\"inputs\":[]}").hasMessage("the request has 'inputs' twice");
  }

  @Test
  void malformed_json_is_a_format_error_saying_where() {
    assertMalformed("{\"inputs\": [").hasMessageStartingWith("malformed JSON at line 1");
    assertMalformed("{\"inputs\": [{\"name\": \"x\",\n \"data\": [1, 2,, 3]}]}")
        .hasMessageStartingWith("malformed JSON at line 2");
    assertMalformed("{\"inputs\": []} {}")
        .hasMessage("malformed JSON at line 1, column 16: more content after the request object");
    assertMalformed("{} trailing").hasMessageStartingWith("malformed JSON at line 1");
    assertMalformed("[1, 2]").hasMessageStartingWith("not a JSON object");
    assertMalformed("   ").hasMessageStartingWith("empty");
    assertMalformed(request("x", "FP32", "[1]", "[NaN]"))
        .hasMessageStartingWith("malformed JSON at line 1");
  }

  @Test
  void nesting_beyond_the_parsers_depth_limit_is_refused_without_a_stack_overflow() {
    String deep = "[".repeat(5000) + "1" + "]".repeat(5000);

    assertMalformed(request("x", "FP32", "[1]", deep)).hasMessageContaining("nesting depth");
    assertMalformed("{\"inputs\": [], \"extra\": " + deep + "}")
        .hasMessageContaining("nesting depth");
  }

  @Test
  void numbers_longer_than_the_parsers_limit_are_refused() {
    String digits = "1".repeat(5000);

    assertMalformed(request("x", "FP64", "[1]", "[" + digits + ".5]"))
        .hasMessageContaining("Number value length");
  }

  @Test
  void large_declared_shape_with_tiny_data_is_refused_without_allocating_for_the_shape() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String body = request("x", "FP64", "[" + TensorCodec.MAX_ELEMENTS + "]", "[1]");
    read(request("w", "FP32", "[1]", "[1]")); // Warm the reader's classes first.
    long before = threads.getCurrentThreadAllocatedBytes();

    assertRefused(body).hasMessageContaining("data has 1");

    assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1024L * 1024);
  }

  @Test
  void the_budget_is_asked_before_each_input_is_allocated_and_can_refuse_it() {
    TensorBudget budget = TensorBudget.of(Long.MAX_VALUE, "test");
    String request =
        """
        {"inputs": [
          {"name": "a", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3, 4, 5, 6]},
          {"data": [1, 2], "name": "b", "shape": [2], "datatype": "INT64"},
          {"name": "c", "shape": [3], "datatype": "BYTES", "data": ["x", "y", "z"]}
        ]}
        """;

    InferRequestReader.read(bytes(request), 0, bytes(request).length, null, budget);

    // a: 6 FP32, b: 2 INT64, c: 3 BYTES references (8 each) and then their 3 chars (2 each).
    assertThat(budget.used()).isEqualTo(6 * 4 + 2 * 8 + 3 * 8 + 3 * 2);

    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int count = 4 * 1024 * 1024;
    String large = request("big", "FP32", "[" + count + "]", "[" + "0,".repeat(count - 1) + "0]");
    byte[] body = bytes(large);
    TensorBudget refusing = TensorBudget.of(1024 * 1024, "max-request-mb");
    long before = threads.getCurrentThreadAllocatedBytes();

    assertThatThrownBy(() -> InferRequestReader.read(body, 0, body.length, null, refusing))
        .isInstanceOf(TensorBudgetException.class)
        .hasMessageContaining("input 'big'")
        .hasMessageContaining(Long.toString(4L * count));
    assertThat(threads.getCurrentThreadAllocatedBytes() - before).isLessThan(1024L * 1024);
  }

  @Test
  void reads_binary_sections_in_input_order_between_json_inputs() {
    Tensor first = new Tensor("b1", DataType.INT16, new long[] {1}, new short[] {0x0102});
    Tensor second = new Tensor("b2", DataType.BYTES, new long[] {2}, new String[] {"ok", "Süd 東京"});
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    byte[] s1 = BinaryTensors.encode(first);
    byte[] s2 = BinaryTensors.encode(second);
    binary.writeBytes(s1);
    binary.writeBytes(s2);
    String json =
        """
        {"inputs": [
          {"name": "b1", "shape": [1], "datatype": "INT16",
           "parameters": {"binary_data_size": %d}},
          {"name": "j", "shape": [2], "datatype": "INT32", "data": [5, 6]},
          {"parameters": {"binary_data_size": %d}, "name": "b2", "shape": [2], "datatype": "BYTES"}
        ]}
        """
            .formatted(s1.length, s2.length);
    byte[] body = concat(bytes(json), binary.toByteArray());
    TensorBudget budget = TensorBudget.of(Long.MAX_VALUE, "test");

    List<Tensor> inputs =
        InferRequestReader.read(
                body,
                0,
                bytes(json).length,
                ByteBuffer.wrap(body, bytes(json).length, binary.size()),
                budget)
            .inputs();

    assertThat(inputs.get(0)).isEqualTo(first);
    assertThat((int[]) inputs.get(1).data()).containsExactly(5, 6);
    assertThat(inputs.get(2)).isEqualTo(second);
    // b1: 1 INT16, j: 2 INT32, b2: 2 BYTES references (8 each) and then its section's bytes.
    assertThat(budget.used()).isEqualTo(2 + 2 * 4 + 2 * 8 + s2.length);
  }

  @Test
  void binary_refusals_keep_their_messages() {
    String both =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1],"
            + "\"parameters\":{\"binary_data_size\":4}}]}";
    String sized =
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1],\"datatype\":\"FP32\","
            + "\"parameters\":{\"binary_data_size\":4}}]}";
    String plain = request("x", "FP32", "[1]", "[1]");

    assertThatThrownBy(() -> readBinary(both, new byte[4]))
        .hasMessage("input 'x' has both 'data' and binary_data_size: send one of them");
    assertThatThrownBy(() -> readBinary(sized, null))
        .hasMessageStartingWith("input 'x' has binary_data_size 4, but the request has no binary");
    assertThatThrownBy(() -> readBinary(sized, new byte[6]))
        .hasMessage(
            "the body has 2 bytes of binary data after the section of input 'x', the last input"
                + " with binary_data_size");
    assertThatThrownBy(() -> readBinary(plain, new byte[3]))
        .hasMessageContaining("but no input has binary_data_size");
    assertThat((float[]) readBinary(sized, new byte[] {0, 0, (byte) 0x80, 0x3f}).getFirst().data())
        .containsExactly(1f);
  }

  @Test
  void reads_only_its_slice_of_the_body() {
    byte[] json = bytes(request("x", "FP32", "[2]", "[1, 2]"));
    byte[] padded = concat(concat(bytes("garbage{"), json), bytes("}}more"));

    DecodedRequest request =
        InferRequestReader.read(padded, 8, json.length, null, TensorBudget.unlimited());

    assertThat((float[]) request.inputs().getFirst().data()).containsExactly(1f, 2f);
  }

  @Test
  void fp32_parses_each_value_to_the_nearest_float() {
    java.util.Random random = new java.util.Random(8);
    float[] expected = new float[2000];
    StringBuilder data = new StringBuilder("[");
    for (int i = 0; i < expected.length; i++) {
      expected[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(20) - 10));
      data.append(i == 0 ? "" : ",").append(expected[i]);
    }
    data.append(']');

    Tensor tensor =
        read(request("x", "FP32", "[" + expected.length + "]", data.toString())).inputs().get(0);

    assertThat((float[]) tensor.data()).containsExactly(expected);
  }

  private static List<Tensor> readBinary(String json, byte[] binary) {
    byte[] body = binary == null ? bytes(json) : concat(bytes(json), binary);
    int length = bytes(json).length;
    return InferRequestReader.read(
            body,
            0,
            length,
            binary == null ? null : ByteBuffer.wrap(body, length, binary.length),
            TensorBudget.unlimited())
        .inputs();
  }

  private static String request(String name, String datatype, String shape, String data) {
    return "{\"inputs\": [{"
        + (name == null ? "" : "\"name\": \"" + name + "\", ")
        + "\"datatype\": \""
        + datatype
        + "\", \"shape\": "
        + shape
        + ", \"data\": "
        + data
        + "}]}";
  }

  private static DecodedRequest read(String json) {
    return InferRequestReader.read(bytes(json));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(String json) {
    return assertThatThrownBy(() -> read(json)).isInstanceOf(ProtocolException.class);
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertMalformed(String json) {
    return assertThatThrownBy(() -> read(json)).isInstanceOf(JsonFormatException.class);
  }

  private static Throwable catchThrowable(Runnable runnable) {
    try {
      runnable.run();
      return null;
    } catch (RuntimeException e) {
      return e;
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
