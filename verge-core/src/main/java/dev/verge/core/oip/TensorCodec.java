package dev.verge.core.oip;

import com.fasterxml.jackson.databind.JsonNode;
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

  public static Tensor decode(InferInput input) {
    return decode(input, TensorBudget.unlimited());
  }

  /**
   * Decodes one input, charging its shape × element size to {@code budget} before allocating it.
   *
   * @throws TensorBudgetException when the input does not fit the budget
   */
  public static Tensor decode(InferInput input, TensorBudget budget) {
    Declared declared = declared(input);
    String name = declared.name();
    String what = declared.what();
    DataType type = declared.type();
    long[] shape = declared.shape();
    long count = declared.count();
    // By arithmetic, before the data is looked at: a huge declared shape allocates nothing.
    budget.reserve(what, type, shape);
    JsonNode data = input.data();
    if (data == null || data.isNull() || data.isMissingNode()) {
      if (input.parameters() != null && input.parameters().containsKey("binary_data_size")) {
        throw new ProtocolException(
            what
                + " has binary_data_size: its data is in the binary part of the body, which"
                + " BinaryTensors.decode reads");
      }
      throw new ProtocolException(what + " has no data");
    }
    List<JsonNode> leaves = new ArrayList<>((int) Math.min(count, 1024));
    flatten(data, leaves, what, count);
    if (leaves.size() != count) {
      throw new ProtocolException(
          what
              + ": shape "
              + input.shape()
              + " needs "
              + count
              + " elements, data has "
              + leaves.size());
    }
    if (data.isArray() && data.size() > 0 && data.get(0).isArray()) {
      requireNesting(data, shape, 0, what, input.shape());
    }
    return new Tensor(name, type, shape, elements(type, leaves, what));
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
    String name = input.name();
    if (name == null || name.isBlank()) {
      throw new ProtocolException("an input has no name");
    }
    String what = "input '" + name + "'";
    DataType type = DataType.parse(input.datatype(), what);
    if (!Tensor.SUPPORTED.contains(type)) {
      throw new ProtocolException(what + ": datatype " + type + " is not supported yet");
    }
    if (input.shape() == null) {
      throw new ProtocolException(what + " has no shape");
    }
    long[] shape = new long[input.shape().size()];
    for (int i = 0; i < shape.length; i++) {
      Long dim = input.shape().get(i);
      if (dim == null || dim < 0) {
        throw new ProtocolException(
            what + ": shape " + input.shape() + " has a negative or null dimension");
      }
      shape[i] = dim;
    }
    long count;
    try {
      count = Tensor.elementCount(shape);
    } catch (ArithmeticException e) {
      count = Long.MAX_VALUE;
    }
    if (count > MAX_ELEMENTS) {
      throw new ProtocolException(
          what + ": shape " + input.shape() + " has more than " + MAX_ELEMENTS + " elements");
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

  /** Nested data must follow the shape exactly: {@code [[1,2,3],[4]]} is not a [2,2] tensor. */
  private static void requireNesting(
      JsonNode node, long[] shape, int depth, String what, List<Long> declared) {
    if (depth == shape.length) {
      if (node.isArray()) {
        throw new ProtocolException(
            what + ": data is nested deeper than shape " + declared + " allows");
      }
      return;
    }
    if (!node.isArray() || node.size() != shape[depth]) {
      throw new ProtocolException(
          what
              + ": nested data does not follow shape "
              + declared
              + " (dimension "
              + depth
              + " should have "
              + shape[depth]
              + " entries)");
    }
    for (JsonNode element : node) {
      requireNesting(element, shape, depth + 1, what, declared);
    }
  }

  private static void flatten(JsonNode node, List<JsonNode> out, String what, long limit) {
    if (node.isArray()) {
      for (JsonNode element : node) {
        flatten(element, out, what, limit);
        if (out.size() > limit) {
          return; // The count check names the mismatch; stop reading an oversized body here.
        }
      }
    } else if (node.isObject()) {
      throw new ProtocolException(what + ": data holds an object where a value was expected");
    } else {
      out.add(node);
    }
  }

  private static Object elements(DataType type, List<JsonNode> leaves, String what) {
    int n = leaves.size();
    switch (type) {
      case FP32 -> {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
          double value = number(leaves.get(i), i, what);
          if (Math.abs(value) > Float.MAX_VALUE) {
            throw element(what, i, "is " + value + ", outside the FP32 range");
          }
          values[i] = (float) value;
        }
        return values;
      }
      case FP64 -> {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
          values[i] = number(leaves.get(i), i, what);
        }
        return values;
      }
      case INT8 -> {
        byte[] values = new byte[n];
        for (int i = 0; i < n; i++) {
          values[i] = (byte) integer(leaves.get(i), i, what, Byte.MIN_VALUE, Byte.MAX_VALUE);
        }
        return values;
      }
      case UINT8 -> {
        byte[] values = new byte[n];
        for (int i = 0; i < n; i++) {
          values[i] = (byte) integer(leaves.get(i), i, what, 0, 255);
        }
        return values;
      }
      case INT16 -> {
        short[] values = new short[n];
        for (int i = 0; i < n; i++) {
          values[i] = (short) integer(leaves.get(i), i, what, Short.MIN_VALUE, Short.MAX_VALUE);
        }
        return values;
      }
      case UINT16 -> {
        short[] values = new short[n];
        for (int i = 0; i < n; i++) {
          values[i] = (short) integer(leaves.get(i), i, what, 0, 0xFFFF);
        }
        return values;
      }
      case UINT32 -> {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
          values[i] = (int) integer(leaves.get(i), i, what, 0, 0xFFFF_FFFFL);
        }
        return values;
      }
      case UINT64 -> {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
          values[i] = unsigned64(leaves.get(i), i, what);
        }
        return values;
      }
      case FP16 -> {
        short[] values = new short[n];
        for (int i = 0; i < n; i++) {
          double value = number(leaves.get(i), i, what);
          if (Math.abs(value) > HalfFloats.FP16_MAX) {
            throw element(what, i, "is " + value + ", outside the FP16 range");
          }
          values[i] = HalfFloats.fp16((float) value);
        }
        return values;
      }
      case BF16 -> {
        short[] values = new short[n];
        for (int i = 0; i < n; i++) {
          double value = number(leaves.get(i), i, what);
          if (Math.abs(value) > Float.MAX_VALUE) {
            throw element(what, i, "is " + value + ", outside the BF16 range");
          }
          values[i] = HalfFloats.bf16((float) value);
        }
        return values;
      }
      case INT32 -> {
        int[] values = new int[n];
        for (int i = 0; i < n; i++) {
          values[i] = (int) integer(leaves.get(i), i, what, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        return values;
      }
      case INT64 -> {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
          values[i] = integer(leaves.get(i), i, what, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        return values;
      }
      case BOOL -> {
        boolean[] values = new boolean[n];
        for (int i = 0; i < n; i++) {
          JsonNode leaf = leaves.get(i);
          if (!leaf.isBoolean()) {
            throw element(what, i, "is " + leaf + ", expected true or false");
          }
          values[i] = leaf.booleanValue();
        }
        return values;
      }
      case BYTES -> {
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
          JsonNode leaf = leaves.get(i);
          if (!leaf.isTextual()) {
            throw element(what, i, "is " + leaf + ", expected a string");
          }
          values[i] = leaf.textValue();
        }
        return values;
      }
      default -> throw new ProtocolException(what + ": datatype " + type + " is not supported yet");
    }
  }

  private static double number(JsonNode leaf, int index, String what) {
    if (!leaf.isNumber()) {
      throw element(what, index, "is " + leaf + ", expected a number");
    }
    return leaf.doubleValue();
  }

  /** A UINT64 element: 0 to 2^64-1, kept as the long with the same 64 bits. */
  private static long unsigned64(JsonNode leaf, int index, String what) {
    if (!leaf.isIntegralNumber()) {
      throw element(what, index, "is " + leaf + ", expected an integer");
    }
    java.math.BigInteger value = leaf.bigIntegerValue();
    if (value.signum() < 0 || value.bitLength() > 64) {
      throw element(what, index, "is " + value + ", outside [0, 18446744073709551615]");
    }
    return value.longValue();
  }

  private static long integer(JsonNode leaf, int index, String what, long min, long max) {
    if (!leaf.isIntegralNumber() || !leaf.canConvertToLong()) {
      throw element(what, index, "is " + leaf + ", expected an integer");
    }
    long value = leaf.longValue();
    if (value < min || value > max) {
      throw element(what, index, "is " + value + ", outside [" + min + ", " + max + "]");
    }
    return value;
  }

  private static ProtocolException element(String what, int index, String problem) {
    return new ProtocolException(what + ": element " + index + " " + problem);
  }

  /** The shape as the protocol prints it, for messages. */
  public static String shapeText(long[] shape) {
    return Arrays.toString(shape);
  }
}
