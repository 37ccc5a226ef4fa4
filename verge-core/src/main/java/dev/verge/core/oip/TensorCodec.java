package dev.verge.core.oip;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns protocol JSON tensors into {@link Tensor}s and back. Every refusal is a {@link
 * ProtocolException} whose message names the input, so a client sees exactly what to fix.
 */
public final class TensorCodec {
  /** Beyond this many elements a JSON tensor is refused; large tensors belong in binary form. */
  public static final long MAX_ELEMENTS = 64L * 1024 * 1024;

  private TensorCodec() {}

  /**
   * Decodes an input whose {@code data} is already a JSON tree. {@link InferRequestReader} reads a
   * request's inputs straight from its bytes instead; both apply the same rules and messages.
   */
  public static Tensor decode(InferInput input) {
    return decode(input, TensorBudget.unlimited());
  }

  /**
   * {@link #decode(InferInput)}, charging the input's shape × element size to {@code budget} from
   * its declared shape, before anything is allocated.
   *
   * @throws TensorBudgetException when the input does not fit
   */
  public static Tensor decode(InferInput input, TensorBudget budget) {
    Declared declared = declared(input);
    budget.reserve(declared.what(), declared.type(), declared.shape());
    JsonNode data = input.data();
    if (data == null || data.isNull() || data.isMissingNode()) {
      if (input.parameters() != null && input.parameters().containsKey("binary_data_size")) {
        throw new ProtocolException(
            declared.what()
                + " has binary_data_size: its data is in the binary part of the body, which"
                + " BinaryTensors.decode reads");
      }
      throw new ProtocolException(declared.what() + " has no data");
    }
    try (JsonParser parser = data.traverse()) {
      parser.nextToken();
      // A tree gives no cheap bound on its element count: grow towards the declared count.
      Object elements = TensorData.read(parser, declared, TensorData.UNKNOWN_BOUND);
      return new Tensor(declared.name(), declared.type(), declared.shape(), elements);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // A tree in memory cannot fail to be read.
    }
  }

  /** An input's name, element type and shape, checked; shared with {@link BinaryTensors}. */
  record Declared(String name, String what, DataType type, long[] shape, long count) {}

  /**
   * Checks an input's name, datatype and shape, whatever form its data takes.
   *
   * @throws ProtocolException naming the input
   */
  static Declared declared(InferInput input) {
    if (input == null) {
      throw new ProtocolException("inputs holds a null entry");
    }
    return declared(input.name(), input.datatype(), input.shape());
  }

  /** {@link #declared(InferInput)} from an input's parts, as a streaming reader has them. */
  static Declared declared(String name, String datatype, List<Long> declaredShape) {
    if (name == null || name.isBlank()) {
      throw new ProtocolException("an input has no name");
    }
    String what = "input '" + name + "'";
    DataType type = DataType.parse(datatype, what);
    if (!Tensor.SUPPORTED.contains(type)) {
      throw new ProtocolException(what + ": datatype " + type + " is not supported yet");
    }
    if (declaredShape == null) {
      throw new ProtocolException(what + " has no shape");
    }
    long[] shape = new long[declaredShape.size()];
    for (int i = 0; i < shape.length; i++) {
      Long dim = declaredShape.get(i);
      if (dim == null || dim < 0) {
        throw new ProtocolException(
            what + ": shape " + declaredShape + " has a negative or null dimension");
      }
      shape[i] = dim;
    }
    long count = Tensor.elementCountOrMax(shape);
    if (count > MAX_ELEMENTS) {
      // Too large, not malformed: 413 like a shape over the request's budget, before any budget.
      throw new TensorBudgetException(
          what
              + ": shape "
              + declaredShape
              + " has more than "
              + MAX_ELEMENTS
              + " elements, more than one tensor may hold",
          false);
    }
    return new Declared(name, what, type, shape, count);
  }

  /** The tensor's name, shape and datatype as an output, without its data. */
  public static InferOutput describe(Tensor tensor) {
    return new InferOutput(
        tensor.name(), shapeList(tensor.shape()), tensor.datatype().name(), null, null);
  }

  private static List<Long> shapeList(long[] dims) {
    List<Long> shape = new ArrayList<>(dims.length);
    for (long dim : dims) {
      shape.add(dim);
    }
    return shape;
  }

  public static InferOutput encode(Tensor tensor) {
    List<Long> shape = shapeList(tensor.shape());
    Object data = tensor.data();
    return new InferOutput(tensor.name(), shape, tensor.datatype().name(), null, jsonData(tensor));
  }

  /**
   * The elements as JSON should show them: byte[] would reach JSON as a base64 string, unsigned
   * bits as negative numbers and half floats as their bits, so these are widened to their values.
   */
  private static Object jsonData(Tensor tensor) {
    Object data = tensor.data();
    return switch (tensor.datatype()) {
      case UINT8, INT8 -> {
        byte[] raw = (byte[]) data;
        int[] ints = new int[raw.length];
        boolean unsigned = tensor.datatype() == DataType.UINT8;
        for (int i = 0; i < raw.length; i++) {
          ints[i] = unsigned ? Byte.toUnsignedInt(raw[i]) : raw[i];
        }
        yield ints;
      }
      case UINT16 -> {
        short[] raw = (short[]) data;
        int[] ints = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
          ints[i] = Short.toUnsignedInt(raw[i]);
        }
        yield ints;
      }
      case UINT32 -> {
        int[] raw = (int[]) data;
        long[] longs = new long[raw.length];
        for (int i = 0; i < raw.length; i++) {
          longs[i] = Integer.toUnsignedLong(raw[i]);
        }
        yield longs;
      }
      case UINT64 -> {
        long[] raw = (long[]) data;
        Number[] numbers = new Number[raw.length];
        for (int i = 0; i < raw.length; i++) {
          numbers[i] =
              raw[i] >= 0
                  ? (Number) raw[i]
                  : new java.math.BigInteger(Long.toUnsignedString(raw[i]));
        }
        yield numbers;
      }
      case FP16, BF16 -> {
        short[] raw = (short[]) data;
        float[] floats = new float[raw.length];
        boolean fp16 = tensor.datatype() == DataType.FP16;
        for (int i = 0; i < raw.length; i++) {
          floats[i] = fp16 ? HalfFloats.fromFp16(raw[i]) : HalfFloats.fromBf16(raw[i]);
        }
        yield floats;
      }
      default -> data;
    };
  }

  /** The shape as the protocol prints it, for messages. */
  public static String shapeText(long[] shape) {
    return Arrays.toString(shape);
  }
}
