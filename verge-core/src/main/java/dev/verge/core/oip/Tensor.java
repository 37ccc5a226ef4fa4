package dev.verge.core.oip;

import java.lang.reflect.Array;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A decoded tensor: element type, shape and a flat row-major Java array holding the elements.
 *
 * <p>The array's type follows the element type: FP32 {@code float[]}, FP64 {@code double[]}, INT8
 * and UINT8 {@code byte[]}, INT16 and UINT16 {@code short[]}, INT32 and UINT32 {@code int[]}, INT64
 * and UINT64 {@code long[]}, BOOL {@code boolean[]}, BYTES {@code String[]}; FP16 and BF16 {@code
 * short[]} holding each element's 16 bits (IEEE 754 binary16, bfloat16). Unsigned types hold their
 * bits: UINT32 4294967295 is the int -1. Arrays are not copied: a tensor is handed over, not
 * shared.
 */
public record Tensor(String name, DataType datatype, long[] shape, Object data) {
  public Tensor {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(datatype, "datatype");
    Objects.requireNonNull(shape, "shape");
    Objects.requireNonNull(data, "data");
    Class<?> expected = arrayClass(datatype);
    if (data.getClass() != expected) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + ": "
              + datatype
              + " needs a "
              + expected.getSimpleName()
              + ", got "
              + data.getClass().getSimpleName());
    }
    long count = elementCount(shape);
    if (Array.getLength(data) != count) {
      throw new IllegalArgumentException(
          "tensor "
              + name
              + ": shape "
              + Arrays.toString(shape)
              + " needs "
              + count
              + " elements, data has "
              + Array.getLength(data));
    }
  }

  /** The element types this codec and the engine carry end to end. */
  public static final List<DataType> SUPPORTED =
      List.of(
          DataType.BOOL,
          DataType.UINT8,
          DataType.UINT16,
          DataType.UINT32,
          DataType.UINT64,
          DataType.INT8,
          DataType.INT16,
          DataType.INT32,
          DataType.INT64,
          DataType.FP16,
          DataType.BF16,
          DataType.FP32,
          DataType.FP64,
          DataType.BYTES);

  public static Class<?> arrayClass(DataType type) {
    return switch (type) {
      case FP32 -> float[].class;
      case FP64 -> double[].class;
      case INT8, UINT8 -> byte[].class;
      case INT16, UINT16, FP16, BF16 -> short[].class;
      case INT32, UINT32 -> int[].class;
      case INT64, UINT64 -> long[].class;
      case BOOL -> boolean[].class;
      case BYTES -> String[].class;
    };
  }

  public static long elementCount(long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
      }
      count = Math.multiplyExact(count, dim);
    }
    return count;
  }

  /**
   * The element count of {@code shape}, or {@link Long#MAX_VALUE} when it does not fit a long: for
   * checks against a limit, which such a shape fails either way.
   */
  public static long elementCountOrMax(long[] shape) {
    try {
      return elementCount(shape);
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  public int size() {
    return Array.getLength(data);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Tensor t
        && name.equals(t.name)
        && datatype == t.datatype
        && Arrays.equals(shape, t.shape)
        && Objects.deepEquals(data, t.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, datatype, Arrays.hashCode(shape));
  }

  @Override
  public String toString() {
    return "Tensor[" + name + " " + datatype + Arrays.toString(shape) + "]";
  }
}
