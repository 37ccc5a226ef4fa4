package dev.verge.core.oip;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many bytes of tensors one request may allocate, checked before each allocation: a decoder
 * reserves an input's shape × element size once it knows them and before it makes the array, the
 * engine an output's before it copies it out, the encoder the answer's text before writing it. So a
 * request that declares a huge shape is refused by arithmetic, never by an {@link
 * OutOfMemoryError}.
 *
 * <p>A budget may draw on a {@link Pool} shared by every request in flight, which bounds what they
 * take together; what one reserved goes back when it is {@link #close() closed}. One instance per
 * request; it may be used from one thread at a time.
 */
public final class TensorBudget implements AutoCloseable {
  /** What a {@link DataType#BYTES} element costs before its contents: one reference. */
  public static final int REFERENCE_BYTES = 8;

  private final long limit;
  private final String source;
  private final Pool pool;
  private long used;
  private long held;

  private TensorBudget(long limit, String source, Pool pool) {
    if (limit < 0) {
      throw new IllegalArgumentException("a tensor budget cannot be negative, got " + limit);
    }
    this.limit = limit;
    this.source = source;
    this.pool = pool;
  }

  /** No limit and no pool: for callers that bound their inputs otherwise (tests, tools). */
  public static TensorBudget unlimited() {
    return new TensorBudget(Long.MAX_VALUE, "unlimited", null);
  }

  /**
   * A budget of {@code limit} bytes, alone.
   *
   * @param source where the limit comes from, for messages (a setting's name)
   */
  public static TensorBudget of(long limit, String source) {
    return new TensorBudget(limit, source, null);
  }

  /** Charges {@code shape} × the element size of {@code type}, before allocating it. */
  public void reserve(String what, DataType type, long[] shape) {
    long bytes = bytesOf(type, shape);
    if (used > limit - bytes) {
      throw new TensorBudgetException(
          what
              + ": shape "
              + TensorCodec.shapeText(shape)
              + " of "
              + type
              + " takes "
              + (bytes == Long.MAX_VALUE ? "more than 2^63" : Long.toString(bytes))
              + " bytes, "
              + overWhat(),
          false);
    }
    take(what, bytes);
    used += bytes;
  }

  /** Charges {@code bytes} that {@code what} is about to allocate (text, variable-size data). */
  public void reserve(String what, long bytes) {
    requireNonNegative(bytes);
    if (used > limit - bytes) {
      throw new TensorBudgetException(what + " takes " + bytes + " bytes, " + overWhat(), false);
    }
    take(what, bytes);
    used += bytes;
  }

  /**
   * Charges a buffer that has its own limit (a request body) to the shared pool only, so that the
   * requests in flight together stay within it; the tensor budget itself is left alone.
   */
  public void hold(String what, long bytes) {
    requireNonNegative(bytes);
    take(what, bytes);
    held += bytes;
  }

  /** Gives back part of what {@link #hold} charged, once the buffer turned out smaller. */
  public void release(long bytes) {
    long back = Math.min(Math.max(0, bytes), held);
    held -= back;
    if (pool != null) {
      pool.give(back);
    }
  }

  private String overWhat() {
    return "over the request's tensor budget of "
        + limit
        + " bytes ("
        + source
        + (used > 0 ? "; " + used + " bytes already taken" : "")
        + ")";
  }

  private void take(String what, long bytes) {
    if (pool != null && bytes > pool.capacity() - used - held) {
      throw new TensorBudgetException(
          what
              + " takes "
              + bytes
              + " bytes, more than the "
              + pool.capacity()
              + " bytes all requests in flight may share ("
              + pool.source
              + ")",
          false);
    }
    if (pool != null && !pool.take(bytes)) {
      throw new TensorBudgetException(
          what
              + " needs "
              + bytes
              + " bytes, but the requests in flight hold "
              + pool.inFlight()
              + " of the "
              + pool.capacity()
              + " bytes they may share ("
              + pool.source
              + "); try again shortly",
          true);
    }
  }

  private static void requireNonNegative(long bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("cannot reserve a negative size: " + bytes);
    }
  }

  /** The tensor bytes reserved so far. */
  public long used() {
    return used;
  }

  public long limit() {
    return limit;
  }

  /** Gives what this request took back to the pool; a closed budget may be closed again. */
  @Override
  public void close() {
    if (pool != null) {
      pool.give(used + held);
    }
    used = 0;
    held = 0;
  }

  /**
   * The bytes a tensor of {@code shape} takes in memory: elements × element size, a reference per
   * {@link DataType#BYTES} element (their contents are charged as they are read); {@link
   * Long#MAX_VALUE} when that overflows.
   *
   * @throws IllegalArgumentException for a negative dimension
   */
  public static long bytesOf(DataType type, long[] shape) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new IllegalArgumentException("negative dimension in " + TensorCodec.shapeText(shape));
      }
      count = saturatedTimes(count, dim);
    }
    return saturatedTimes(count, type == DataType.BYTES ? REFERENCE_BYTES : type.byteSize());
  }

  /**
   * At most how many bytes of JSON text {@code count} elements of {@code type} are written as (the
   * longest spelling of each and its comma), for encoders to reserve before writing; for {@link
   * DataType#BYTES} only the quotes and commas, the encoder adds the strings' lengths.
   */
  public static long jsonTextBytes(DataType type, long count) {
    int each =
        switch (type) {
          case BOOL -> 6; // false,
          case UINT8, INT8 -> 5; // -128,
          case UINT16, INT16 -> 7; // -32768,
          case UINT32, INT32 -> 12; // -2147483648,
          case UINT64, INT64 -> 21; // -9223372036854775808,
          case FP16, BF16, FP32 -> 16; // -1.17549435E-38,
          case FP64 -> 25; // -2.2250738585072014E-308,
          case BYTES -> 3; // "",
        };
    return saturatedTimes(Math.max(0, count), each);
  }

  private static long saturatedTimes(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return high != 0 || low < 0 ? Long.MAX_VALUE : low;
  }

  /**
   * The bytes every request in flight may take together; {@link #open} hands out the per-request
   * budgets that draw on it. Thread-safe.
   */
  public static final class Pool {
    private final long capacity;
    private final String source;
    private final AtomicLong inFlight = new AtomicLong();

    /**
     * @param source where the capacity comes from, for messages
     */
    public Pool(long capacity, String source) {
      if (capacity < 1) {
        throw new IllegalArgumentException("a pool needs a capacity of 1 or more, got " + capacity);
      }
      this.capacity = capacity;
      this.source = source;
    }

    /** A budget of {@code limit} bytes for one request, drawing on this pool. */
    public TensorBudget open(long limit, String limitSource) {
      return new TensorBudget(limit, limitSource, this);
    }

    public long capacity() {
      return capacity;
    }

    /** The bytes the requests in flight hold now. */
    public long inFlight() {
      return inFlight.get();
    }

    boolean take(long bytes) {
      while (true) {
        long now = inFlight.get();
        if (now > capacity - bytes) {
          return false;
        }
        if (inFlight.compareAndSet(now, now + bytes)) {
          return true;
        }
      }
    }

    void give(long bytes) {
      inFlight.addAndGet(-bytes);
    }
  }
}
