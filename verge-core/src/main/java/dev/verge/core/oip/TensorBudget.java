package dev.verge.core.oip;

/**
 * Asked before a request's tensors are allocated, so that a server can bound the memory one request
 * takes before it takes it: the readers call {@link #reserve(String, DataType, long[])} once a
 * tensor's name, datatype and shape are checked and before its elements are allocated or read, and
 * {@link #reserve(String, long)} for what else they allocate. To refuse, an implementation throws;
 * the exception reaches the reader's caller unchanged.
 */
public interface TensorBudget {
  /** Charges a tensor of {@code shape}: element count × element size (BYTES: 8 an element). */
  void reserve(String what, DataType type, long[] shape);

  /** Charges {@code bytes} more for {@code what}: BYTES contents, an answer's JSON text. */
  void reserve(String what, long bytes);

  /** Lets everything through; {@link TensorCodec#MAX_ELEMENTS} still bounds a tensor. */
  static TensorBudget unlimited() {
    return Unlimited.INSTANCE;
  }

  /** The most bytes the JSON text of {@code count} elements of {@code type} can take, commas in. */
  static long jsonTextBytes(DataType type, long count) {
    long perElement =
        switch (type) {
          case BOOL -> 6; // false,
          case UINT8 -> 4; // 255,
          case INT8 -> 5; // -128,
          case UINT16 -> 6;
          case INT16 -> 7;
          case UINT32 -> 11;
          case INT32 -> 12;
          case INT64, UINT64 -> 21;
          case FP16, BF16, FP32 -> 16; // -1.17549435E-38,
          case FP64 -> 25; // -2.2250738585072014E-308,
          case BYTES -> 8; // The strings themselves are charged as they are known.
        };
    return Math.multiplyExact(perElement, count) + 2;
  }

  /** The budget that charges nothing. */
  enum Unlimited implements TensorBudget {
    INSTANCE;

    @Override
    public void reserve(String what, DataType type, long[] shape) {}

    @Override
    public void reserve(String what, long bytes) {}
  }
}
