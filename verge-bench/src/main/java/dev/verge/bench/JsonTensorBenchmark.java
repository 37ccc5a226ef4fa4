package dev.verge.bench;

import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InferRequestReader;
import dev.verge.core.oip.InferResponse;
import dev.verge.core.oip.InferResponseWriter;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The JSON tensor path in nanoseconds per float, before and after issue 8, in one run: a batch of
 * 64 MNIST-sized images (64 × 1 × 28 × 28 = 50,176 FP32 values) read from an infer request body
 * into a tensor, and a tensor of the same size written as an infer answer.
 *
 * <p>{@code tree}: the body bound to records with a JSON tree, then decoded (how the agent read it
 * before; {@link TreeDecodeBaseline}); {@code stream}: {@link InferRequestReader}, what the agent
 * does now. {@code mapper}: the answer as records through the object mapper (before); {@code
 * stream}: {@link InferResponseWriter} (now). Each fork first checks that both give the same
 * result.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class JsonTensorBenchmark {
  static final int BATCH = 64;
  static final int FLOATS = BATCH * 28 * 28;

  /** A request body holding one batch. */
  @State(Scope.Benchmark)
  public static class Request {
    /** {@code mnist}: pixels / 255, four in five of them 0; {@code dense}: any value in [0, 1). */
    @Param({"mnist", "dense"})
    public String values;

    /** {@code flat}: one list; {@code nested}: lists following the shape, as numpy's tolist(). */
    @Param({"flat", "nested"})
    public String layout;

    byte[] body;
    float[] expected;

    @Setup
    public void build() {
      expected = floats(values);
      StringBuilder json =
          new StringBuilder(FLOATS * 12)
              .append("{\"id\":\"bench\",\"inputs\":[{\"name\":\"input\",\"shape\":[")
              .append(BATCH)
              .append(",1,28,28],\"datatype\":\"FP32\",\"data\":");
      boolean nested = layout.equals("nested");
      json.append('[');
      for (int i = 0; i < FLOATS; i++) {
        if (nested && i % 784 == 0) {
          json.append(i == 0 ? "" : "]]],").append("[[[");
        } else if (nested && i % 28 == 0) {
          json.append("],[");
        } else if (i > 0) {
          json.append(',');
        }
        json.append(expected[i]);
      }
      json.append(nested ? "]]]]" : "]").append("}]}");
      body = json.toString().getBytes(StandardCharsets.UTF_8);
      float[] tree = (float[]) TreeDecodeBaseline.decode(body).getFirst().data();
      float[] stream = (float[]) InferRequestReader.read(body).inputs().getFirst().data();
      if (!java.util.Arrays.equals(tree, expected) || !java.util.Arrays.equals(stream, expected)) {
        throw new IllegalStateException("the readers disagree on the " + layout + " body");
      }
    }
  }

  /** An output tensor of the same size. */
  @State(Scope.Benchmark)
  public static class Answer {
    @Param({"mnist", "dense"})
    public String values;

    List<Tensor> outputs;

    @Setup
    public void build() {
      outputs =
          List.of(
              new Tensor("output", DataType.FP32, new long[] {BATCH, 1, 28, 28}, floats(values)));
      if (!java.util.Arrays.equals(mapper(this), stream(this))) {
        throw new IllegalStateException("the writers disagree");
      }
    }
  }

  static float[] floats(String kind) {
    Random random = new Random(42);
    float[] values = new float[FLOATS];
    for (int i = 0; i < values.length; i++) {
      values[i] =
          kind.equals("mnist")
              ? (random.nextInt(5) == 0 ? (1 + random.nextInt(255)) / 255f : 0f)
              : random.nextFloat();
    }
    return values;
  }

  @Benchmark
  @OperationsPerInvocation(FLOATS)
  public List<Tensor> decode_tree(Request request) {
    return TreeDecodeBaseline.decode(request.body);
  }

  @Benchmark
  @OperationsPerInvocation(FLOATS)
  public List<Tensor> decode_stream(Request request) {
    return InferRequestReader.read(request.body).inputs();
  }

  @Benchmark
  @OperationsPerInvocation(FLOATS)
  public byte[] encode_mapper(Answer answer) {
    return mapper(answer);
  }

  @Benchmark
  @OperationsPerInvocation(FLOATS)
  public byte[] encode_stream(Answer answer) {
    return stream(answer);
  }

  private static byte[] mapper(Answer answer) {
    return Json.write(
        new InferResponse(
            "mnist",
            "1",
            "bench",
            null,
            answer.outputs.stream().map(TensorCodec::encode).toList()));
  }

  private static byte[] stream(Answer answer) {
    return InferResponseWriter.write("mnist", "1", "bench", answer.outputs, Set.of()).bytes();
  }
}
