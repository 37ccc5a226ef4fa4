package dev.verge.core.oip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InferResponseWriterTest {
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
          new Tensor(
              "i", DataType.BYTES, new long[] {4}, new String[] {"ok", "", "Süd 東京", "\"q\" 🙂"}),
          new Tensor("j", DataType.FP32, new long[] {0, 2}, new float[0]),
          new Tensor("k", DataType.FP32, new long[] {3}, new float[] {Float.NaN, 1e-45f, -0f}),
          new Tensor("l", DataType.UINT16, new long[] {2}, new short[] {7, -1}),
          new Tensor("m", DataType.UINT32, new long[] {2}, new int[] {7, -1}),
          new Tensor("n", DataType.UINT64, new long[] {3}, new long[] {7, -1, Long.MIN_VALUE}),
          new Tensor(
              "o",
              DataType.FP16,
              new long[] {2},
              new short[] {HalfFloats.fp16(0.5f), HalfFloats.fp16(-65504f)}),
          new Tensor(
              "p",
              DataType.BF16,
              new long[] {2},
              new short[] {HalfFloats.bf16(1.5f), HalfFloats.bf16(-3e38f)}));

  @Test
  void json_answer_is_byte_for_byte_what_the_object_mapper_wrote() {
    assertThat(write("req-7", EVERY_TYPE, Set.of()).bytes())
        .asString(StandardCharsets.UTF_8)
        .isEqualTo(new String(mapperAnswer("req-7", EVERY_TYPE, Set.of()), StandardCharsets.UTF_8));
    assertThat(write(null, EVERY_TYPE, Set.of()).bytes())
        .isEqualTo(mapperAnswer(null, EVERY_TYPE, Set.of()));
    assertThat(write(null, EVERY_TYPE, Set.of()).jsonLength()).isEqualTo(-1);
  }

  @Test
  void random_floats_are_written_as_the_mapper_writes_them_and_read_back_exactly() {
    Random random = new Random(8);
    float[] values = new float[20_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = Float.intBitsToFloat(random.nextInt());
      if (Float.isNaN(values[i])) {
        values[i] = random.nextFloat();
      }
    }
    Tensor tensor = new Tensor("y", DataType.FP32, new long[] {values.length}, values);

    byte[] written = write("r", List.of(tensor), Set.of()).bytes();

    assertThat(written).isEqualTo(mapperAnswer("r", List.of(tensor), Set.of()));
    InferResponse back = Json.read(written, InferResponse.class);
    InferInput asInput =
        Json.convert(Json.mapper().valueToTree(back.outputs().get(0)), InferInput.class);
    assertThat((float[]) TensorCodec.decode(asInput).data()).containsExactly(values);
  }

  @Test
  void binary_outputs_follow_the_json_as_their_sections() {
    Set<String> binary = Set.of("a", "c", "h", "i", "j", "l", "m", "n", "o", "p");

    InferResponseWriter.Encoded encoded = write("b", EVERY_TYPE, binary);

    byte[] expected = mapperAnswer("b", EVERY_TYPE, binary);
    assertThat(encoded.bytes()).isEqualTo(expected);
    assertThat(encoded.jsonLength()).isEqualTo(mapperJsonLength("b", EVERY_TYPE, binary));
  }

  @Test
  void a_binary_output_with_no_elements_still_marks_the_answer_as_binary() {
    Tensor empty = new Tensor("j", DataType.FP32, new long[] {0}, new float[0]);

    InferResponseWriter.Encoded encoded = write(null, List.of(empty), Set.of("j"));

    assertThat(encoded.jsonLength()).isEqualTo(encoded.bytes().length);
    assertThat(new String(encoded.bytes(), StandardCharsets.UTF_8))
        .contains("\"parameters\":{\"binary_data_size\":0}");
  }

  @Test
  void each_json_output_is_charged_its_largest_text_before_it_is_written() {
    TensorBudget budget = TensorBudget.of(Long.MAX_VALUE, "test");
    Tensor fp32 = new Tensor("y", DataType.FP32, new long[] {1000}, new float[1000]);
    Tensor bits = new Tensor("z", DataType.INT8, new long[] {3}, new byte[3]);

    InferResponseWriter.write("m", "1", null, List.of(fp32, bits), Set.of("z"), budget);

    // Only the JSON output is charged (the binary one is charged by its door as a section).
    assertThat(budget.used()).isEqualTo(TensorBudget.jsonTextBytes(DataType.FP32, 1000));
    assertThat(TensorBudget.jsonTextBytes(DataType.FP32, 1000))
        .isGreaterThanOrEqualTo(Float.toString(-1.17549435E-38f).length() * 1000L + 1);
  }

  private static InferResponseWriter.Encoded write(
      String id, List<Tensor> outputs, Set<String> binary) {
    return InferResponseWriter.write("pump", "3", id, outputs, binary);
  }

  /** The answer as it was written before the streaming writer: records through the mapper. */
  private static byte[] mapperAnswer(String id, List<Tensor> outputs, Set<String> binary) {
    List<InferOutput> wire = new ArrayList<>();
    ByteArrayOutputStream sections = new ByteArrayOutputStream();
    for (Tensor output : outputs) {
      if (binary.contains(output.name())) {
        byte[] section = BinaryTensors.encode(output);
        InferOutput described = TensorCodec.describe(output);
        wire.add(
            new InferOutput(
                described.name(),
                described.shape(),
                described.datatype(),
                Map.of(BinaryTensors.SIZE, section.length),
                null));
        sections.writeBytes(section);
      } else {
        wire.add(TensorCodec.encode(output));
      }
    }
    byte[] json = Json.write(new InferResponse("pump", "3", id, null, wire));
    byte[] answer = Arrays.copyOf(json, json.length + sections.size());
    System.arraycopy(sections.toByteArray(), 0, answer, json.length, sections.size());
    return answer;
  }

  private static int mapperJsonLength(String id, List<Tensor> outputs, Set<String> binary) {
    int sections = 0;
    for (Tensor output : outputs) {
      if (binary.contains(output.name())) {
        sections += BinaryTensors.encode(output).length;
      }
    }
    return mapperAnswer(id, outputs, binary).length - sections;
  }
}
