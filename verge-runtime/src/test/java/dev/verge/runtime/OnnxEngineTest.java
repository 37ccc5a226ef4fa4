package dev.verge.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.HalfFloats;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class OnnxEngineTest {
  private static final OnnxEngine ENGINE = new OnnxEngine(new EngineOptions(1, 1));

  @AfterAll
  static void close() {
    ENGINE.close();
  }

  @Test
  void reads_signature_with_dynamic_batch_dimension() {
    OnnxEngine.Signature signature = ENGINE.inspect(TestModels.logistic());

    assertThat(signature.inputs())
        .containsExactly(new TensorSpec("input", DataType.FP32, List.of(-1L, 2L)));
    assertThat(signature.outputs())
        .containsExactly(new TensorSpec("output", DataType.FP32, List.of(-1L, 2L)));
  }

  @Test
  void logistic_model_scores_high_readings_as_class_one() {
    try (LoadedModel model = ENGINE.load(new ModelSource("pump", 1, TestModels.logistic()))) {
      Tensor input =
          new Tensor("input", DataType.FP32, new long[] {2, 2}, new float[] {0f, 0f, 3f, 3f});

      List<Tensor> outputs = model.infer(List.of(input), Set.of());

      assertThat(outputs).hasSize(1);
      float[] probabilities = (float[]) outputs.get(0).data();
      assertThat(outputs.get(0).shape()).containsExactly(2, 2);
      assertThat(probabilities[1]).isLessThan(0.5f);
      assertThat(probabilities[3]).isGreaterThan(0.99f);
      assertThat(probabilities[2] + probabilities[3])
          .isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-6f));
    }
  }

  /** A model in a direct buffer loads off the heap and answers as the same model from bytes. */
  @Test
  void a_model_in_a_direct_buffer_loads_and_answers_as_from_bytes() {
    byte[] bytes = TestModels.logistic();
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    Tensor input =
        new Tensor("input", DataType.FP32, new long[] {2, 2}, new float[] {0f, 0f, 3f, 3f});

    try (LoadedModel offHeap = ENGINE.load(ModelSource.offHeap("pump", 1, direct));
        LoadedModel onHeap = ENGINE.load(new ModelSource("pump", 1, bytes))) {
      assertThat(offHeap.inputs()).isEqualTo(onHeap.inputs());
      assertThat(offHeap.infer(List.of(input), Set.of()).get(0).data())
          .isEqualTo(onHeap.infer(List.of(input), Set.of()).get(0).data());
    }
  }

  @Test
  void an_off_heap_model_with_unsigned_types_is_rewritten_from_a_copy_and_loads() {
    byte[] bytes = TestModels.allTypes();
    java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();

    try (LoadedModel model = ENGINE.load(ModelSource.offHeap("types", 1, direct))) {
      assertThat(model.inputs())
          .extracting(spec -> spec.datatype())
          .contains(DataType.UINT16, DataType.UINT32, DataType.UINT64);
    }
  }

  @Test
  void round_trips_every_supported_element_type() {
    Map<String, Tensor> given = new java.util.HashMap<>();
    given.put(
        "fp16",
        new Tensor(
            "x_fp16",
            DataType.FP16,
            new long[] {2},
            new short[] {HalfFloats.fp16(1.5f), HalfFloats.fp16(-65504f)}));
    given.put(
        "bf16",
        new Tensor("x_bf16", DataType.BF16, new long[] {1}, new short[] {HalfFloats.bf16(3e38f)}));
    // Values past the signed range: the unsigned types keep all their bits through the runtime.
    given.put(
        "uint16",
        new Tensor("x_uint16", DataType.UINT16, new long[] {2}, new short[] {(short) 65535, 1}));
    given.put(
        "uint32",
        new Tensor("x_uint32", DataType.UINT32, new long[] {2}, new int[] {-1, 0x8000_0000}));
    given.put(
        "uint64",
        new Tensor("x_uint64", DataType.UINT64, new long[] {2}, new long[] {-1L, Long.MIN_VALUE}));
    given.putAll(
        Map.of(
            "fp32", new Tensor("x_fp32", DataType.FP32, new long[] {2}, new float[] {1.5f, -2f}),
            "fp64", new Tensor("x_fp64", DataType.FP64, new long[] {1}, new double[] {Math.PI}),
            "int32", new Tensor("x_int32", DataType.INT32, new long[] {2}, new int[] {7, -7}),
            "int64", new Tensor("x_int64", DataType.INT64, new long[] {1}, new long[] {1L << 40}),
            "uint8",
                new Tensor("x_uint8", DataType.UINT8, new long[] {2}, new byte[] {0, (byte) 255}),
            "int8", new Tensor("x_int8", DataType.INT8, new long[] {1}, new byte[] {-128}),
            "int16", new Tensor("x_int16", DataType.INT16, new long[] {1}, new short[] {-300}),
            "bool",
                new Tensor(
                    "x_bool", DataType.BOOL, new long[] {3}, new boolean[] {true, false, true}),
            "bytes",
                new Tensor(
                    "x_bytes", DataType.BYTES, new long[] {2}, new String[] {"ok", "héllo"})));
    assertThat(given.keySet()).containsExactlyInAnyOrderElementsOf(TestModels.ALL_TYPES.keySet());
    try (LoadedModel model = ENGINE.load(new ModelSource("types", 1, TestModels.allTypes()))) {
      assertThat(model.inputs())
          .extracting(spec -> spec.datatype())
          .contains(DataType.UINT16, DataType.UINT32, DataType.UINT64);
      List<Tensor> outputs = model.infer(List.copyOf(given.values()), Set.of());

      assertThat(outputs).hasSize(given.size());
      for (Tensor output : outputs) {
        Tensor input = given.get(output.name().substring(2));
        assertThat(output.datatype()).isEqualTo(input.datatype());
        assertThat(output.shape()).isEqualTo(input.shape());
        assertThat(output.data()).isEqualTo(input.data());
      }
    }
  }

  @Test
  void returns_only_requested_outputs() {
    try (LoadedModel model = ENGINE.load(new ModelSource("types", 1, TestModels.allTypes()))) {
      List<Tensor> inputs =
          TestModels.ALL_TYPES.keySet().stream().map(OnnxEngineTest::oneElement).toList();

      List<Tensor> outputs = model.infer(inputs, Set.of("y_int64"));

      assertThat(outputs).extracting(Tensor::name).containsExactly("y_int64");
    }
  }

  @Test
  void names_the_input_whose_type_or_shape_does_not_fit() {
    try (LoadedModel model = ENGINE.load(new ModelSource("pump", 1, TestModels.logistic()))) {
      assertThatThrownBy(
              () ->
                  model.infer(
                      List.of(new Tensor("input", DataType.FP32, new long[] {1, 3}, new float[3])),
                      Set.of()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("input 'input'")
          .hasMessageContaining("[-1, 2]");
      assertThatThrownBy(
              () ->
                  model.infer(
                      List.of(new Tensor("input", DataType.FP64, new long[] {1, 2}, new double[2])),
                      Set.of()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("must be FP32");
      assertThatThrownBy(() -> model.infer(List.of(), Set.of()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("input 'input' is missing");
      assertThatThrownBy(
              () ->
                  model.infer(
                      List.of(
                          new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[2]),
                          new Tensor("extra", DataType.FP32, new long[] {1}, new float[1])),
                      Set.of()))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("'extra' is not an input");
      assertThatThrownBy(
              () ->
                  model.infer(
                      List.of(new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[2])),
                      Set.of("nope")))
          .isInstanceOf(ProtocolException.class)
          .hasMessageContaining("output 'nope'");
    }
  }

  @Test
  void a_model_can_fail_inside_the_runtime_on_some_inputs_only() {
    try (LoadedModel model =
        ENGINE.load(new ModelSource("flaky", 1, TestModels.failsOnLargeInputs()))) {
      Tensor small =
          new Tensor("input", DataType.FP32, new long[] {2, 2}, new float[] {0, 1.5f, 1, 0.5f});
      assertThat(model.infer(List.of(small), Set.of()).get(0).shape()).containsExactly(2, 2);

      Tensor large = new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {2.5f, 3});
      assertThatThrownBy(() -> model.infer(List.of(large), Set.of()))
          .isInstanceOf(EngineException.class)
          .isNotInstanceOf(ProtocolException.class);
    }
  }

  @Test
  void refuses_bytes_that_are_not_an_onnx_model() {
    assertThatThrownBy(() -> ENGINE.load(new ModelSource("junk", 1, "not a model".getBytes())))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("cannot load junk v1");
  }

  @Test
  void one_session_serves_concurrent_requests() throws Exception {
    try (LoadedModel model = ENGINE.load(new ModelSource("pump", 1, TestModels.logistic()));
        ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<Float>> results =
          java.util.stream.IntStream.range(0, 200)
              .mapToObj(
                  i ->
                      pool.submit(
                          () -> {
                            float x = i % 2 == 0 ? 0f : 4f;
                            Tensor in =
                                new Tensor(
                                    "input", DataType.FP32, new long[] {1, 2}, new float[] {x, x});
                            return ((float[]) model.infer(List.of(in), Set.of()).get(0).data())[1];
                          }))
              .toList();
      for (int i = 0; i < results.size(); i++) {
        float p = results.get(i).get();
        assertThat(i % 2 == 0 ? p < 0.5f : p > 0.99f).as("request %d gave %f", i, p).isTrue();
      }
    }
  }

  private static Tensor oneElement(String suffix) {
    String name = "x_" + suffix;
    return switch (suffix) {
      case "fp32" -> new Tensor(name, DataType.FP32, new long[] {1}, new float[1]);
      case "fp64" -> new Tensor(name, DataType.FP64, new long[] {1}, new double[1]);
      case "int32" -> new Tensor(name, DataType.INT32, new long[] {1}, new int[1]);
      case "int64" -> new Tensor(name, DataType.INT64, new long[] {1}, new long[1]);
      case "uint8" -> new Tensor(name, DataType.UINT8, new long[] {1}, new byte[1]);
      case "int8" -> new Tensor(name, DataType.INT8, new long[] {1}, new byte[1]);
      case "int16" -> new Tensor(name, DataType.INT16, new long[] {1}, new short[1]);
      case "bool" -> new Tensor(name, DataType.BOOL, new long[] {1}, new boolean[1]);
      case "fp16" -> new Tensor(name, DataType.FP16, new long[] {1}, new short[1]);
      case "bf16" -> new Tensor(name, DataType.BF16, new long[] {1}, new short[1]);
      case "uint16" -> new Tensor(name, DataType.UINT16, new long[] {1}, new short[1]);
      case "uint32" -> new Tensor(name, DataType.UINT32, new long[] {1}, new int[1]);
      case "uint64" -> new Tensor(name, DataType.UINT64, new long[] {1}, new long[1]);
      default -> new Tensor(name, DataType.BYTES, new long[] {1}, new String[] {"a"});
    };
  }
}
