package dev.verge.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InputCheck;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorBudget;
import dev.verge.core.oip.TensorSpec;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** One ONNX Runtime session serving one model version. */
final class OnnxModel implements LoadedModel {
  private final String name;
  private final long version;
  private final OrtEnvironment environment;
  private final OrtSession session;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final Map<String, DataType> outputTypes;
  private final ArenaRelease arena;

  OnnxModel(
      String name,
      long version,
      OrtEnvironment environment,
      OrtSession session,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      ArenaRelease arena) {
    this.name = name;
    this.version = version;
    this.environment = environment;
    this.session = session;
    this.inputs = inputs;
    this.outputs = outputs;
    this.arena = arena;
    this.outputTypes = new HashMap<>();
    outputs.forEach(spec -> outputTypes.put(spec.name(), spec.datatype()));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public long version() {
    return version;
  }

  @Override
  public List<TensorSpec> inputs() {
    return inputs;
  }

  @Override
  public List<TensorSpec> outputs() {
    return outputs;
  }

  @Override
  public List<Tensor> infer(List<Tensor> given, Set<String> wanted) {
    return infer(given, wanted, TensorBudget.unlimited());
  }

  @Override
  public List<Tensor> infer(List<Tensor> given, Set<String> wanted, TensorBudget budget) {
    InputCheck.require(name, inputs, given);
    Set<String> requested = InputCheck.selectOutputs(name, outputs, wanted);
    Map<String, OnnxTensor> feed = new HashMap<>();
    try {
      long inputBytes = 0;
      for (Tensor tensor : given) {
        feed.put(tensor.name(), OrtTensors.toOnnx(environment, tensor));
        // Capped per tensor: only whether the sum reaches the threshold matters, and it cannot
        // wrap.
        inputBytes +=
            Math.min(
                TensorBudget.bytesOf(tensor.datatype(), tensor.shape()),
                ArenaRelease.LARGE_INPUT_BYTES);
      }
      try (OrtSession.Result result = session.run(feed, requested, arena.forRun(inputBytes))) {
        List<Tensor> answer = new ArrayList<>(requested.size());
        for (Map.Entry<String, OnnxValue> output : result) {
          Tensor computed = OrtTensors.fromOnnx(output.getKey(), output.getValue(), budget, this);
          answer.add(OrtTensors.uncarried(computed, outputTypes.get(output.getKey())));
        }
        return answer;
      }
    } catch (OrtException e) {
      throw new EngineException("model " + name + " v" + version + " failed: " + e.getMessage(), e);
    } finally {
      feed.values().forEach(OnnxTensor::close);
    }
  }

  @Override
  public void close() {
    arena.close();
    try {
      session.close();
    } catch (OrtException e) {
      throw new EngineException("cannot close session of " + name + " v" + version, e);
    }
  }

  /** Conversions between {@link Tensor} and ONNX Runtime tensors. */
  static final class OrtTensors {
    private OrtTensors() {}

    static OnnxTensor toOnnx(OrtEnvironment env, Tensor tensor) throws OrtException {
      long[] shape = tensor.shape();
      Object data = tensor.data();
      return switch (tensor.datatype()) {
        case FP16 ->
            OnnxTensor.createTensor(
                env,
                java.nio.ShortBuffer.wrap((short[]) data),
                shape,
                ai.onnxruntime.OnnxJavaType.FLOAT16);
        case BF16 ->
            OnnxTensor.createTensor(
                env,
                java.nio.ShortBuffer.wrap((short[]) data),
                shape,
                ai.onnxruntime.OnnxJavaType.BFLOAT16);
        // Carried in the wider signed type the loaded graph casts back (UnsignedCarriers).
        case UINT16 -> {
          short[] values = (short[]) data;
          int[] wide = new int[values.length];
          for (int i = 0; i < values.length; i++) {
            wide[i] = Short.toUnsignedInt(values[i]);
          }
          yield OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap(wide), shape);
        }
        case UINT32 -> {
          int[] values = (int[]) data;
          long[] wide = new long[values.length];
          for (int i = 0; i < values.length; i++) {
            wide[i] = Integer.toUnsignedLong(values[i]);
          }
          yield OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap(wide), shape);
        }
        case UINT64 -> OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap((long[]) data), shape);
        case FP32 -> OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap((float[]) data), shape);
        case FP64 ->
            OnnxTensor.createTensor(env, java.nio.DoubleBuffer.wrap((double[]) data), shape);
        case INT64 -> OnnxTensor.createTensor(env, java.nio.LongBuffer.wrap((long[]) data), shape);
        case INT32 -> OnnxTensor.createTensor(env, java.nio.IntBuffer.wrap((int[]) data), shape);
        case INT16 ->
            OnnxTensor.createTensor(env, java.nio.ShortBuffer.wrap((short[]) data), shape);
        case INT8 -> OnnxTensor.createTensor(env, ByteBuffer.wrap((byte[]) data), shape);
        case UINT8 ->
            OnnxTensor.createTensor(
                env, ByteBuffer.wrap((byte[]) data), shape, ai.onnxruntime.OnnxJavaType.UINT8);
        case BOOL -> {
          boolean[] values = (boolean[]) data;
          ByteBuffer bytes =
              ByteBuffer.allocateDirect(values.length).order(ByteOrder.nativeOrder());
          for (boolean value : values) {
            bytes.put((byte) (value ? 1 : 0));
          }
          bytes.rewind();
          yield OnnxTensor.createTensor(env, bytes, shape, ai.onnxruntime.OnnxJavaType.BOOL);
        }
        case BYTES -> OnnxTensor.createTensor(env, (String[]) data, shape);
      };
    }

    /**
     * Copies an output out of ONNX Runtime once its shape × element size fits {@code budget}.
     *
     * @throws dev.verge.core.oip.TensorBudgetException when it does not
     */
    static Tensor fromOnnx(String name, OnnxValue value, TensorBudget budget, LoadedModel model)
        throws OrtException {
      if (!(value instanceof OnnxTensor tensor)) {
        throw new EngineException(
            "output '"
                + name
                + "' is a "
                + value.getType()
                + ", not a tensor; Verge serves tensors only");
      }
      TensorInfo info = tensor.getInfo();
      long[] shape = info.getShape();
      DataType type = OnnxEngine.dataType(info.onnxType);
      String what = "output '" + name + "' of model " + model.name() + " v" + model.version();
      budget.reserve(what, type, shape);
      long elements = info.getNumElements();
      if (elements > Integer.MAX_VALUE - 8) {
        throw new EngineException(
            what + " has " + elements + " elements, more than a Java array holds");
      }
      int count = (int) elements;
      Object data =
          switch (type) {
            case FP32 -> read(tensor.getFloatBuffer(), new float[count]);
            case FP64 -> read(tensor.getDoubleBuffer(), new double[count]);
            case INT64 -> read(tensor.getLongBuffer(), new long[count]);
            case INT32 -> read(tensor.getIntBuffer(), new int[count]);
            case INT16, FP16, BF16 -> read(tensor.getShortBuffer(), new short[count]);
            case INT8, UINT8 -> read(tensor.getByteBuffer(), new byte[count]);
            case BOOL -> {
              ByteBuffer bytes = tensor.getByteBuffer();
              boolean[] values = new boolean[count];
              for (int i = 0; i < count; i++) {
                values[i] = bytes.get(i) != 0;
              }
              yield values;
            }
            case BYTES -> {
              String[] values = new String[count];
              flattenStrings(tensor.getValue(), values, new int[] {0});
              yield values;
            }
            default ->
                throw new EngineException(
                    "output '"
                        + name
                        + "' has element type "
                        + type
                        + ", which Verge does not serve yet");
          };
      return new Tensor(name, type, shape, data);
    }

    /**
     * {@code computed} in the type the model declares: an unsigned output arrives in its carrier
     * (UnsignedCarriers) and goes back to its own bits here.
     */
    static Tensor uncarried(Tensor computed, DataType declared) {
      if (declared == null || declared == computed.datatype()) {
        return computed;
      }
      Object data =
          switch (declared) {
            case UINT16 -> {
              int[] wide = (int[]) computed.data();
              short[] values = new short[wide.length];
              for (int i = 0; i < wide.length; i++) {
                values[i] = (short) wide[i];
              }
              yield values;
            }
            case UINT32 -> {
              long[] wide = (long[]) computed.data();
              int[] values = new int[wide.length];
              for (int i = 0; i < wide.length; i++) {
                values[i] = (int) wide[i];
              }
              yield values;
            }
            case UINT64 -> computed.data();
            default ->
                throw new EngineException(
                    "output '"
                        + computed.name()
                        + "' came back as "
                        + computed.datatype()
                        + " though the model declares "
                        + declared);
          };
      return new Tensor(computed.name(), declared, computed.shape(), data);
    }

    private static float[] read(java.nio.FloatBuffer buffer, float[] out) {
      buffer.get(out);
      return out;
    }

    private static double[] read(java.nio.DoubleBuffer buffer, double[] out) {
      buffer.get(out);
      return out;
    }

    private static long[] read(java.nio.LongBuffer buffer, long[] out) {
      buffer.get(out);
      return out;
    }

    private static int[] read(java.nio.IntBuffer buffer, int[] out) {
      buffer.get(out);
      return out;
    }

    private static short[] read(java.nio.ShortBuffer buffer, short[] out) {
      buffer.get(out);
      return out;
    }

    private static byte[] read(ByteBuffer buffer, byte[] out) {
      buffer.get(out);
      return out;
    }

    private static void flattenStrings(Object value, String[] out, int[] next) {
      if (value instanceof String text) {
        out[next[0]++] = text;
      } else if (value != null && value.getClass().isArray()) {
        for (int i = 0; i < Array.getLength(value); i++) {
          flattenStrings(Array.get(value, i), out, next);
        }
      }
    }
  }
}
