package dev.verge.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.util.Map;

/**
 * Tiny ONNX models built in code, so tests need no downloaded or checked-in model files. Shared
 * with other modules through this module's test-jar.
 */
public final class TestModels {
  /** The element types {@link #allTypes()} carries, by the suffix of its input and output names. */
  public static final Map<String, TensorProto.DataType> ALL_TYPES =
      Map.ofEntries(
          Map.entry("fp32", TensorProto.DataType.FLOAT),
          Map.entry("fp64", TensorProto.DataType.DOUBLE),
          Map.entry("fp16", TensorProto.DataType.FLOAT16),
          Map.entry("bf16", TensorProto.DataType.BFLOAT16),
          Map.entry("int32", TensorProto.DataType.INT32),
          Map.entry("int64", TensorProto.DataType.INT64),
          Map.entry("uint8", TensorProto.DataType.UINT8),
          Map.entry("uint16", TensorProto.DataType.UINT16),
          Map.entry("uint32", TensorProto.DataType.UINT32),
          Map.entry("uint64", TensorProto.DataType.UINT64),
          Map.entry("int8", TensorProto.DataType.INT8),
          Map.entry("int16", TensorProto.DataType.INT16),
          Map.entry("bool", TensorProto.DataType.BOOL),
          Map.entry("bytes", TensorProto.DataType.STRING));

  /** The protocol's spelling of each of {@link #ALL_TYPES}, by the same suffix. */
  public static final Map<String, String> ALL_TYPES_OIP =
      Map.ofEntries(
          Map.entry("fp32", "FP32"),
          Map.entry("fp64", "FP64"),
          Map.entry("fp16", "FP16"),
          Map.entry("bf16", "BF16"),
          Map.entry("int32", "INT32"),
          Map.entry("int64", "INT64"),
          Map.entry("uint8", "UINT8"),
          Map.entry("uint16", "UINT16"),
          Map.entry("uint32", "UINT32"),
          Map.entry("uint64", "UINT64"),
          Map.entry("int8", "INT8"),
          Map.entry("int16", "INT16"),
          Map.entry("bool", "BOOL"),
          Map.entry("bytes", "BYTES"));

  private TestModels() {}

  /**
   * A two-feature, two-class logistic model: input {@code input} FP32 [-1,2], output {@code output}
   * FP32 [-1,2] = softmax(x·W + b). Class 1's probability rises with the sum of the features and is
   * 0.5 where the sum is {@code bias}.
   */
  public static byte[] logistic() {
    return logistic(1.0f);
  }

  /** {@link #logistic()} with the decision point moved, so two versions answer differently. */
  public static byte[] logistic(float bias) {
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("logistic")
            .addInitializer(floats("W", new long[] {2, 2}, -1f, 1f, -1f, 1f))
            .addInitializer(floats("B", new long[] {2}, bias, -bias))
            .addNode(node("Gemm", "gemm", new String[] {"input", "W", "B"}, "logits"))
            .addNode(
                withInt(node("Softmax", "softmax", new String[] {"logits"}, "output"), "axis", 1))
            .addInput(value("input", TensorProto.DataType.FLOAT, -1, 2))
            .addOutput(value("output", TensorProto.DataType.FLOAT, -1, 2))
            .build();
    return model(graph);
  }

  /**
   * Answers like {@link #logistic()} while every feature is in [0, 2), and fails inside ONNX
   * Runtime otherwise: the features, cast to integers, index a two-element tensor, and a Gather out
   * of bounds is a runtime error. A real model error on some inputs (the agent's warm-up with zeros
   * passes), so the agent's error counters and the hub's error-rate gates can be exercised without
   * fault injection.
   */
  public static byte[] failsOnLargeInputs() {
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("fails_on_large_inputs")
            .addInitializer(floats("W", new long[] {2, 2}, -1f, 1f, -1f, 1f))
            .addInitializer(floats("B", new long[] {2}, 1f, -1f))
            .addInitializer(floats("Z", new long[] {2}, 0f, 0f))
            .addNode(
                withInt(
                    node("Cast", "to_indices", new String[] {"input"}, "indices"),
                    "to",
                    TensorProto.DataType.INT64.getNumber()))
            .addNode(node("Gather", "check", new String[] {"Z", "indices"}, "zeros"))
            .addNode(
                withInt(node("ReduceSum", "sum", new String[] {"zeros"}, "zero"), "keepdims", 0))
            .addNode(node("Gemm", "gemm", new String[] {"input", "W", "B"}, "raw"))
            .addNode(node("Add", "add", new String[] {"raw", "zero"}, "logits"))
            .addNode(
                withInt(node("Softmax", "softmax", new String[] {"logits"}, "output"), "axis", 1))
            .addInput(value("input", TensorProto.DataType.FLOAT, -1, 2))
            .addOutput(value("output", TensorProto.DataType.FLOAT, -1, 2))
            .build();
    return model(graph);
  }

  /**
   * One Identity per element type in {@link #ALL_TYPES}: input {@code x_<suffix>} [-1] to output
   * {@code y_<suffix>}, so a test can round-trip every type the protocol carries.
   */
  public static byte[] allTypes() {
    GraphProto.Builder graph = GraphProto.newBuilder().setName("all_types");
    ALL_TYPES.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              String suffix = e.getKey();
              graph.addNode(
                  node("Identity", "id_" + suffix, new String[] {"x_" + suffix}, "y_" + suffix));
              graph.addInput(value("x_" + suffix, e.getValue(), -1));
              graph.addOutput(value("y_" + suffix, e.getValue(), -1));
            });
    return model(graph.build());
  }

  /**
   * A moving average that cannot run on short inputs, like a voice-activity model fed a 1-sample
   * frame: input {@code input} FP32 [batch, 1, samples], both dimensions dynamic; output {@code
   * output} FP32 [batch, 1, samples - kernel + 1], each element the mean of {@code kernel}
   * consecutive inputs (a Conv with a {@code kernel}-long window). Fewer than {@code kernel}
   * samples is a runtime error inside ONNX Runtime, so zeros with every dynamic dimension set to 1
   * fail while real-size inputs serve.
   */
  public static byte[] minimumLength(int kernel) {
    float[] weights = new float[kernel];
    java.util.Arrays.fill(weights, 1f / kernel);
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("minimum_length")
            .addInitializer(floats("W", new long[] {1, 1, kernel}, weights))
            .addNode(node("Conv", "window", new String[] {"input", "W"}, "output"))
            .addInput(namedDims("input", TensorProto.DataType.FLOAT, "batch", "1", "samples"))
            .addOutput(namedDims("output", TensorProto.DataType.FLOAT, "batch", "1", "windows"))
            .build();
    return model(graph);
  }

  /**
   * An output far larger than its input: input {@code shape} INT64 [2] gives output {@code ones}
   * FP32 of that shape, all ones (ConstantOfShape). For checks of the output's size: {@code [1000,
   * 1000]} is 16 bytes in and 4 MB out.
   */
  public static byte[] expands() {
    ValueInfoProto ones =
        ValueInfoProto.newBuilder()
            .setName("ones")
            .setType(
                TypeProto.newBuilder()
                    .setTensorType(
                        TypeProto.Tensor.newBuilder()
                            .setElemType(TensorProto.DataType.FLOAT.getNumber())
                            .setShape(
                                TensorShapeProto.newBuilder()
                                    .addDim(
                                        TensorShapeProto.Dimension.newBuilder().setDimParam("rows"))
                                    .addDim(
                                        TensorShapeProto.Dimension.newBuilder()
                                            .setDimParam("cols")))))
            .build();
    NodeProto fill =
        node("ConstantOfShape", "fill", new String[] {"shape"}, "ones").toBuilder()
            .addAttribute(
                AttributeProto.newBuilder()
                    .setName("value")
                    .setType(AttributeProto.AttributeType.TENSOR)
                    .setT(floats("one", new long[] {1}, 1f)))
            .build();
    GraphProto graph =
        GraphProto.newBuilder()
            .setName("expands")
            .addNode(fill)
            .addInput(value("shape", TensorProto.DataType.INT64, 2))
            .addOutput(ones)
            .build();
    return model(graph);
  }

  /** A value whose dimensions are numbers or, otherwise, named dynamic dimensions. */
  private static ValueInfoProto namedDims(String name, TensorProto.DataType type, String... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (String dim : dims) {
      shape.addDim(
          dim.chars().allMatch(Character::isDigit)
              ? TensorShapeProto.Dimension.newBuilder().setDimValue(Long.parseLong(dim))
              : TensorShapeProto.Dimension.newBuilder().setDimParam(dim));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }

  private static byte[] model(GraphProto graph) {
    return ModelProto.newBuilder()
        .setIrVersion(8)
        .setProducerName("verge-tests")
        .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
        .setGraph(graph)
        .build()
        .toByteArray();
  }

  private static NodeProto node(String op, String name, String[] inputs, String output) {
    NodeProto.Builder node = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(output);
    for (String input : inputs) {
      node.addInput(input);
    }
    return node.build();
  }

  private static NodeProto withInt(NodeProto node, String attribute, long value) {
    return node.toBuilder()
        .addAttribute(
            AttributeProto.newBuilder()
                .setName(attribute)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value))
        .build();
  }

  private static TensorProto floats(String name, long[] dims, float... values) {
    TensorProto.Builder tensor =
        TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT.getNumber());
    for (long dim : dims) {
      tensor.addDims(dim);
    }
    for (float value : values) {
      tensor.addFloatData(value);
    }
    return tensor.build();
  }

  private static ValueInfoProto value(String name, TensorProto.DataType type, long... dims) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    for (long dim : dims) {
      shape.addDim(
          dim < 0
              ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
              : TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape)))
        .build();
  }
}
