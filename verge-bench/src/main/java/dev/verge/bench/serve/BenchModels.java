package dev.verge.bench.serve;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.verge.runtime.TestModels;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

/**
 * The models {@code verge bench serve} measures, built in code with fixed seeds so every run and
 * every server gets the same bytes. Each takes one FP32 input {@code input} of shape [batch, ...]
 * and answers one FP32 output {@code output}.
 */
final class BenchModels {
  private BenchModels() {}

  /** The three models in the order the table lists them. */
  static List<BenchModel> all() {
    return List.of(tabular(), mnist(), cnn());
  }

  /**
   * {@link TestModels#logistic()}: 2 features to 2 class probabilities, a few floats of weights.
   */
  static BenchModel tabular() {
    return new BenchModel("tabular", "tiny tabular", TestModels.logistic(), new long[] {2}, 2);
  }

  /**
   * An MNIST-sized CNN, [batch, 1, 28, 28] to 10 class probabilities: conv 3×3 to 32, ReLU, max
   * pool, conv 3×3 to 64, ReLU, max pool, dense 1600 to 256, ReLU, dense to 10, softmax. 431,242
   * weights (1.7 MB), about 5.7 MFLOP per image (two per multiply-add).
   */
  static BenchModel mnist() {
    Graph g = new Graph("mnist_cnn", new Random(28));
    String x = g.conv("input", 1, 32, 0);
    x = g.pool(g.relu(x));
    x = g.conv(x, 32, 64, 0);
    x = g.pool(g.relu(x));
    x = g.relu(g.dense(g.flatten(x), 64 * 5 * 5, 256));
    x = g.softmax(g.dense(x, 256, 10));
    return new BenchModel(
        "mnist",
        "MNIST CNN (1.7 MB)",
        g.build(x, new long[] {1, 28, 28}, 10),
        new long[] {1, 28, 28},
        10);
  }

  /**
   * A heavier CNN, [batch, 3, 32, 32] to 10 class probabilities: conv 3×3 to 32, ReLU, conv 3×3 to
   * 64, ReLU, max pool, conv 3×3 to 144, ReLU, max pool (all convolutions padded), dense 9216 to
   * 56, ReLU, dense to 10, softmax. 619,202 weights (2.5 MB), about 84 MFLOP per image (two per
   * multiply-add), nearly all in the convolutions.
   */
  static BenchModel cnn() {
    Graph g = new Graph("cnn_84mflop", new Random(32));
    String x = g.relu(g.conv("input", 3, 32, 1));
    x = g.pool(g.relu(g.conv(x, 32, 64, 1)));
    x = g.pool(g.relu(g.conv(x, 64, 144, 1)));
    x = g.relu(g.dense(g.flatten(x), 144 * 8 * 8, 56));
    x = g.softmax(g.dense(x, 56, 10));
    return new BenchModel(
        "cnn",
        "2.5 MB CNN (84 MFLOP)",
        g.build(x, new long[] {3, 32, 32}, 10),
        new long[] {3, 32, 32},
        10);
  }

  /** Builds a graph node by node; weights are He-uniform from the graph's own seeded random. */
  private static final class Graph {
    private final GraphProto.Builder graph;
    private final Random random;
    private int nodes;

    Graph(String name, Random random) {
      this.graph = GraphProto.newBuilder().setName(name);
      this.random = random;
    }

    String conv(String x, int in, int out, int pad) {
      String w = weights(new long[] {out, in, 3, 3}, in * 9);
      String b = weights(new long[] {out}, in * 9);
      NodeProto.Builder node = node("Conv", x, w, b);
      node.addAttribute(ints("kernel_shape", 3, 3));
      node.addAttribute(ints("pads", pad, pad, pad, pad));
      return add(node);
    }

    String dense(String x, int in, int out) {
      String w = weights(new long[] {out, in}, in);
      String b = weights(new long[] {out}, in);
      NodeProto.Builder node = node("Gemm", x, w, b);
      node.addAttribute(
          AttributeProto.newBuilder()
              .setName("transB")
              .setType(AttributeProto.AttributeType.INT)
              .setI(1));
      return add(node);
    }

    String relu(String x) {
      return add(node("Relu", x));
    }

    String pool(String x) {
      NodeProto.Builder node = node("MaxPool", x);
      node.addAttribute(ints("kernel_shape", 2, 2));
      node.addAttribute(ints("strides", 2, 2));
      return add(node);
    }

    String flatten(String x) {
      return add(node("Flatten", x));
    }

    String softmax(String x) {
      NodeProto.Builder node = node("Softmax", x);
      node.addAttribute(
          AttributeProto.newBuilder()
              .setName("axis")
              .setType(AttributeProto.AttributeType.INT)
              .setI(1));
      return add(node);
    }

    byte[] build(String last, long[] sample, int classes) {
      graph.addNode(
          NodeProto.newBuilder()
              .setOpType("Identity")
              .setName("out")
              .addInput(last)
              .addOutput("output"));
      long[] input = new long[sample.length + 1];
      input[0] = -1;
      System.arraycopy(sample, 0, input, 1, sample.length);
      graph.addInput(value("input", input));
      graph.addOutput(value("output", new long[] {-1, classes}));
      return ModelProto.newBuilder()
          .setIrVersion(8)
          .setProducerName("verge-bench")
          .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
          .setGraph(graph)
          .build()
          .toByteArray();
    }

    private NodeProto.Builder node(String op, String... inputs) {
      NodeProto.Builder node =
          NodeProto.newBuilder().setOpType(op).setName(op.toLowerCase() + nodes);
      for (String input : inputs) {
        node.addInput(input);
      }
      return node;
    }

    private String add(NodeProto.Builder node) {
      String out = "t" + nodes++;
      graph.addNode(node.addOutput(out));
      return out;
    }

    private String weights(long[] dims, int fanIn) {
      String name = "w" + graph.getInitializerCount();
      long count = 1;
      for (long dim : dims) {
        count *= dim;
      }
      double limit = Math.sqrt(6.0 / fanIn);
      ByteBuffer bytes =
          ByteBuffer.allocate(Math.toIntExact(count * 4)).order(ByteOrder.LITTLE_ENDIAN);
      for (long i = 0; i < count; i++) {
        bytes.putFloat((float) ((random.nextDouble() * 2 - 1) * limit));
      }
      TensorProto.Builder tensor =
          TensorProto.newBuilder()
              .setName(name)
              .setDataType(TensorProto.DataType.FLOAT.getNumber());
      for (long dim : dims) {
        tensor.addDims(dim);
      }
      graph.addInitializer(tensor.setRawData(ByteString.copyFrom(bytes.array())));
      return name;
    }

    private static AttributeProto ints(String name, long... values) {
      AttributeProto.Builder attribute =
          AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
      for (long value : values) {
        attribute.addInts(value);
      }
      return attribute.build();
    }

    private static ValueInfoProto value(String name, long[] dims) {
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
                      TypeProto.Tensor.newBuilder()
                          .setElemType(TensorProto.DataType.FLOAT.getNumber())
                          .setShape(shape)))
          .build();
    }
  }
}
