package dev.verge.core.oip;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Triton's classification extension: a requested output with the parameter {@code "classification":
 * N} (or the older {@code "class_count": N}) comes back as the N highest classes along its last
 * dimension, each a BYTES element {@code "<value>:<index>"}, highest first, ties to the lower
 * index; the other dimensions stay. N past the number of classes gives them all.
 */
public final class Classification {
  public static final String PARAMETER = "classification";
  public static final String OLD_PARAMETER = "class_count";

  /** The most classes one output may ask for: beyond it the answer is no longer a summary. */
  public static final int MAX_CLASSES = 1_000_000;

  private Classification() {}

  /**
   * The outputs the request asks to classify, with their class counts, in request order.
   *
   * @throws ProtocolException when a count is not a whole number from 1 to {@link #MAX_CLASSES}
   */
  public static Map<String, Integer> requested(List<InferRequest.RequestedOutput> outputs) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    if (outputs == null) {
      return counts;
    }
    for (InferRequest.RequestedOutput output : outputs) {
      if (output == null || output.parameters() == null) {
        continue;
      }
      for (String key : List.of(PARAMETER, OLD_PARAMETER)) {
        Object value = output.parameters().get(key);
        if (value != null) {
          counts.put(output.name(), count(output.name(), key, value));
        }
      }
    }
    return counts;
  }

  private static int count(String output, String key, Object value) {
    if (value instanceof Number number
        && number.doubleValue() == Math.rint(number.doubleValue())
        && number.doubleValue() >= 1
        && number.doubleValue() <= MAX_CLASSES) {
      return number.intValue();
    }
    throw new ProtocolException(
        "output '"
            + output
            + "': parameter "
            + key
            + " must be a whole number from 1 to "
            + MAX_CLASSES
            + ", got "
            + value);
  }

  /**
   * The {@code count} highest classes of {@code output} along its last dimension.
   *
   * @throws ProtocolException when the output is not numeric or has no dimension to classify
   */
  public static Tensor top(Tensor output, int count) {
    long[] shape = output.shape();
    if (shape.length == 0) {
      throw new ProtocolException(
          "output '" + output.name() + "' is a scalar: there are no classes to choose from");
    }
    double[] values = numbers(output);
    int classes = Math.toIntExact(shape[shape.length - 1]);
    int kept = Math.min(count, classes);
    int rows = classes == 0 ? 0 : values.length / classes;
    String[] answer = new String[rows * kept];
    Integer[] order = new Integer[classes];
    for (int row = 0; row < rows; row++) {
      int base = row * classes;
      for (int i = 0; i < classes; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (a, b) -> Double.compare(values[base + b], values[base + a]));
      for (int k = 0; k < kept; k++) {
        answer[row * kept + k] =
            format(output.datatype(), values[base + order[k]]) + ":" + order[k];
      }
    }
    long[] classified = shape.clone();
    classified[classified.length - 1] = kept;
    return new Tensor(output.name(), DataType.BYTES, classified, answer);
  }

  private static String format(DataType type, double value) {
    return switch (type) {
      case FP32, FP16, BF16 -> Float.toString((float) value);
      case FP64 -> Double.toString(value);
      case UINT64 -> new java.math.BigDecimal(value).toBigInteger().toString();
      default -> Long.toString((long) value);
    };
  }

  private static double[] numbers(Tensor output) {
    Object data = output.data();
    int n = output.size();
    double[] values = new double[n];
    switch (output.datatype()) {
      case FP32 -> {
        float[] v = (float[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = v[i];
        }
      }
      case FP64 -> System.arraycopy((double[]) data, 0, values, 0, n);
      case INT64 -> {
        long[] v = (long[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = v[i];
        }
      }
      case INT32 -> {
        int[] v = (int[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = v[i];
        }
      }
      case INT16 -> {
        short[] v = (short[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = v[i];
        }
      }
      case INT8 -> {
        byte[] v = (byte[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = v[i];
        }
      }
      case UINT8 -> {
        byte[] v = (byte[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = Byte.toUnsignedInt(v[i]);
        }
      }
      case UINT16 -> {
        short[] v = (short[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = Short.toUnsignedInt(v[i]);
        }
      }
      case UINT32 -> {
        int[] v = (int[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = Integer.toUnsignedLong(v[i]);
        }
      }
      case UINT64 -> {
        long[] v = (long[]) data;
        for (int i = 0; i < n; i++) {
          values[i] = Double.parseDouble(Long.toUnsignedString(v[i]));
        }
      }
      case FP16, BF16 -> {
        short[] v = (short[]) data;
        boolean fp16 = output.datatype() == DataType.FP16;
        for (int i = 0; i < n; i++) {
          values[i] = fp16 ? HalfFloats.fromFp16(v[i]) : HalfFloats.fromBf16(v[i]);
        }
      }
      default ->
          throw new ProtocolException(
              "output '"
                  + output.name()
                  + "' is "
                  + output.datatype()
                  + ": only numeric outputs can be classified");
    }
    return values;
  }
}
