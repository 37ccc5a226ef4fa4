package dev.verge.core.oip;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads one input's JSON {@code data}, flat or nested as its shape, from a parser straight into the
 * element array: no tree, no boxed values. Row by row, a type's own loop reads the values, so the
 * per-element cost is the parser's number parsing and little else.
 *
 * <p>Rules, with the messages clients see: the element count must match the shape (checked first,
 * naming both counts); nested data must follow the shape exactly; an element of the wrong kind or
 * out of its type's range is refused by its row-major index; an object anywhere is refused.
 */
final class TensorData {
  /** For {@link #read}: nothing bounds the count but the shape, so storage grows as values come. */
  static final long UNKNOWN_BOUND = -1;

  private static final int INITIAL_GROWTH = 1024;
  private static final int SHOWN_CHARS = 40;

  private final JsonParser parser;
  private final TensorCodec.Declared declared;
  private final Sink sink;
  private final int rank;
  private boolean nested;
  private String misnested;

  private TensorData(JsonParser parser, TensorCodec.Declared declared, Sink sink) {
    this.parser = parser;
    this.declared = declared;
    this.sink = sink;
    this.rank = declared.shape().length;
  }

  /**
   * Reads the value at the parser's current token and leaves the parser on its last token.
   *
   * @param bound the most elements the value can hold (from the bytes it spans), or {@link
   *     #UNKNOWN_BOUND}. When the declared count is larger the data cannot match the shape: its
   *     values are checked and counted, not stored, so a huge shape with tiny data costs nothing.
   * @return the element array, of the declared length and the datatype's array type
   * @throws ProtocolException naming the input, and the element where one is wrong
   */
  static Object read(JsonParser parser, TensorCodec.Declared declared, long bound)
      throws IOException {
    long count = declared.count(); // At most MAX_ELEMENTS: fits an int.
    int capacity;
    long limit;
    if (bound == UNKNOWN_BOUND) {
      capacity = (int) Math.min(count, INITIAL_GROWTH);
      limit = count;
    } else if (count <= bound) {
      capacity = (int) count;
      limit = count;
    } else {
      capacity = 0;
      limit = 0;
    }
    TensorData data = new TensorData(parser, declared, Sink.of(declared, capacity, (int) limit));
    return data.read();
  }

  private Object read() throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_ARRAY) {
      array(0);
    } else if (token == JsonToken.START_OBJECT) {
      throw objectInData();
    } else {
      sink.lone = true; // One value; the parser must stay on it.
      sink.scalars(parser, token);
    }
    long count = declared.count();
    if (sink.seen != count) {
      throw new ProtocolException(
          declared.what()
              + ": shape "
              + TensorCodec.shapeText(declared.shape())
              + " needs "
              + count
              + " elements, data has "
              + sink.seen);
    }
    if (misnested != null) {
      throw new ProtocolException(declared.what() + ": " + misnested);
    }
    return sink.result();
  }

  /**
   * Reads the array the parser is on, at nesting {@code depth} (0 for {@code data} itself), and
   * notes the first way it departs from the shape; the count check reports before that note.
   */
  private void array(int depth) throws IOException {
    if (nested && depth >= rank) {
      misnest("data is nested deeper than shape " + shapeText() + " allows");
    }
    long entries = 0;
    JsonToken token = parser.nextToken();
    if (depth == 0) {
      nested = token == JsonToken.START_ARRAY;
    }
    // Where the shape has values: flat data, and the innermost dimension of nested data.
    boolean valuesHere = nested ? depth == rank - 1 : depth == 0;
    while (true) {
      long before = sink.seen;
      token = sink.scalars(parser, token);
      if (sink.seen != before) {
        entries += sink.seen - before;
        if (!valuesHere && !nested) {
          misnest(
              "data mixes values and nested arrays; send it flat or nested as shape "
                  + shapeText());
        } else if (!valuesHere && depth + 1 < rank) {
          misnest(dimension(depth + 1)); // Values where the shape has another dimension.
        } // Values deeper than the shape: noted when this array began.
      }
      if (token == JsonToken.END_ARRAY) {
        break;
      }
      if (token == JsonToken.START_ARRAY) {
        entries++;
        if (!nested) {
          misnest(
              "data mixes values and nested arrays; send it flat or nested as shape "
                  + shapeText());
        }
        array(depth + 1);
        token = parser.nextToken();
      } else if (token == JsonToken.START_OBJECT) {
        throw objectInData();
      } else {
        throw new ProtocolException(declared.what() + ": data ends inside an array");
      }
    }
    if (nested && depth < rank && entries != declared.shape()[depth]) {
      misnest(dimension(depth));
    }
  }

  private String dimension(int depth) {
    return "nested data does not follow shape "
        + shapeText()
        + " (dimension "
        + depth
        + " should have "
        + declared.shape()[depth]
        + " entries)";
  }

  private void misnest(String problem) {
    if (misnested == null) {
      misnested = problem;
    }
  }

  private String shapeText() {
    return TensorCodec.shapeText(declared.shape());
  }

  private ProtocolException objectInData() {
    return new ProtocolException(
        declared.what() + ": data holds an object where a value was expected");
  }

  /** The value at the parser as a message shows it: JSON text, cut short when long. */
  static String shown(JsonParser parser, JsonToken token) throws IOException {
    String text = parser.getText();
    if (text == null) {
      return String.valueOf(token);
    }
    String cut = text.length() > SHOWN_CHARS ? text.substring(0, SHOWN_CHARS) + "..." : text;
    return token == JsonToken.VALUE_STRING ? '"' + cut + '"' : cut;
  }

  private static boolean isScalar(JsonToken token) {
    return token != null && token.isScalarValue();
  }

  /**
   * Collects one datatype's elements. {@link #scalars} reads values while they come and stops at
   * the first token that is not one; storage stops at {@code limit}, counting goes on.
   */
  private abstract static class Sink {
    final String what;
    final int limit;
    long seen;
    boolean lone;

    Sink(String what, int limit) {
      this.what = what;
      this.limit = limit;
    }

    static Sink of(TensorCodec.Declared declared, int capacity, int limit) {
      String what = declared.what();
      return switch (declared.type()) {
        case FP32 -> new Fp32(what, capacity, limit);
        case FP64 -> new Fp64(what, capacity, limit);
        case INT8 -> new Int8(what, capacity, limit, Byte.MIN_VALUE, Byte.MAX_VALUE);
        case UINT8 -> new Int8(what, capacity, limit, 0, 255);
        case INT16 -> new Int16(what, capacity, limit, Short.MIN_VALUE, Short.MAX_VALUE);
        case UINT16 -> new Int16(what, capacity, limit, 0, 0xFFFF);
        case INT32 -> new Int32(what, capacity, limit);
        case UINT32 -> new Uint32(what, capacity, limit);
        case INT64 -> new Int64(what, capacity, limit);
        case UINT64 -> new Uint64(what, capacity, limit);
        case FP16 -> new Half(what, capacity, limit, true);
        case BF16 -> new Half(what, capacity, limit, false);
        case BOOL -> new Bool(what, capacity, limit);
        case BYTES -> new Text(what, capacity, limit);
      };
    }

    /**
     * Reads {@code token} and the values after it while they are scalars.
     *
     * @return the first token that is not a scalar (null at the end of a lone scalar's input)
     */
    abstract JsonToken scalars(JsonParser parser, JsonToken token) throws IOException;

    /** The elements, trimmed to the count seen (equal to the declared count when asked). */
    abstract Object result();

    /** Room for element {@code index} beyond {@code length}: at least doubled, at most limit. */
    final int grown(int length, int index) {
      return (int) Math.min(limit, Math.max((long) length * 2, index + 1L));
    }

    final JsonToken wrongKind(JsonParser parser, JsonToken token, String expected)
        throws IOException {
      if (isScalar(token)) {
        throw element(seen, "is " + shown(parser, token) + ", expected " + expected);
      }
      return token;
    }

    final ProtocolException element(long index, String problem) {
      return new ProtocolException(what + ": element " + index + " " + problem);
    }

    /** A number out of a float type's range, as a double when it is one, else as sent. */
    static String shownFloat(JsonParser parser, JsonToken token) throws IOException {
      double value = parser.getDoubleValue();
      return Double.isInfinite(value) ? shown(parser, token) : Double.toString(value);
    }

    final ProtocolException outside(JsonParser parser, long min, long max) throws IOException {
      return element(
          seen,
          "is "
              + shown(parser, JsonToken.VALUE_NUMBER_INT)
              + ", outside ["
              + min
              + ", "
              + max
              + "]");
    }

    /** The token after a value; none after a lone scalar, whose parser stays on it. */
    final JsonToken next(JsonParser parser) throws IOException {
      return lone ? null : parser.nextToken();
    }
  }

  private static final class Fp32 extends Sink {
    private float[] values;

    Fp32(String what, int capacity, int limit) {
      super(what, limit);
      values = new float[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      float[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
        float value = parser.getFloatValue();
        if (Float.isInfinite(value)) {
          seen = i;
          throw element(i, "is " + shownFloat(parser, token) + ", outside the FP32 range");
        }
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "a number");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  private static final class Fp64 extends Sink {
    private double[] values;

    Fp64(String what, int capacity, int limit) {
      super(what, limit);
      values = new double[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      double[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
        double value = parser.getDoubleValue();
        if (Double.isInfinite(value)) {
          seen = i;
          throw element(i, "is " + shownFloat(parser, token) + ", outside the FP64 range");
        }
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "a number");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  /** INT8 and UINT8: both are bytes, with their own range. */
  private static final class Int8 extends Sink {
    private final int min;
    private final int max;
    private byte[] values;

    Int8(String what, int capacity, int limit, int min, int max) {
      super(what, limit);
      this.min = min;
      this.max = max;
      values = new byte[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      byte[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        seen = i;
        if (parser.getNumberType() != JsonParser.NumberType.INT) {
          throw outside(parser, min, max);
        }
        int value = parser.getIntValue();
        if (value < min || value > max) {
          throw outside(parser, min, max);
        }
        if (i < out.length) {
          out[i] = (byte) value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = (byte) value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  /** INT16 and UINT16: both are shorts, with their own range. */
  private static final class Int16 extends Sink {
    private final int min;
    private final int max;
    private short[] values;

    Int16(String what, int capacity, int limit, int min, int max) {
      super(what, limit);
      this.min = min;
      this.max = max;
      values = new short[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      short[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        seen = i;
        if (parser.getNumberType() != JsonParser.NumberType.INT) {
          throw outside(parser, min, max);
        }
        int value = parser.getIntValue();
        if (value < min || value > max) {
          throw outside(parser, min, max);
        }
        if (i < out.length) {
          out[i] = (short) value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = (short) value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  /** UINT32: 0 to 2^32-1, kept as the int with the same 32 bits. */
  private static final class Uint32 extends Sink {
    private static final long MAX = 0xFFFF_FFFFL;
    private int[] values;

    Uint32(String what, int capacity, int limit) {
      super(what, limit);
      values = new int[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      int[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        seen = i;
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          throw outside(parser, 0, MAX);
        }
        long value = parser.getLongValue();
        if (value < 0 || value > MAX) {
          throw outside(parser, 0, MAX);
        }
        if (i < out.length) {
          out[i] = (int) value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = (int) value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  /** UINT64: 0 to 2^64-1, kept as the long with the same 64 bits. */
  private static final class Uint64 extends Sink {
    private long[] values;

    Uint64(String what, int capacity, int limit) {
      super(what, limit);
      values = new long[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      long[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        seen = i;
        long value;
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
          java.math.BigInteger big = parser.getBigIntegerValue();
          if (big.signum() < 0 || big.bitLength() > 64) {
            throw element(i, "is " + shown(parser, token) + ", outside [0, 18446744073709551615]");
          }
          value = big.longValue();
        } else {
          value = parser.getLongValue();
          if (value < 0) {
            throw element(i, "is " + shown(parser, token) + ", outside [0, 18446744073709551615]");
          }
        }
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  /** FP16 and BF16: each value's 16 bits, from the nearest float. */
  private static final class Half extends Sink {
    private final boolean fp16;
    private short[] values;

    Half(String what, int capacity, int limit, boolean fp16) {
      super(what, limit);
      this.fp16 = fp16;
      values = new short[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      short[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_FLOAT || token == JsonToken.VALUE_NUMBER_INT) {
        float value = parser.getFloatValue();
        if (fp16 ? Math.abs(value) > HalfFloats.FP16_MAX : Float.isInfinite(value)) {
          seen = i;
          throw element(
              i,
              "is "
                  + shownFloat(parser, token)
                  + ", outside the "
                  + (fp16 ? "FP16" : "BF16")
                  + " range");
        }
        short bits = fp16 ? HalfFloats.fp16(value) : HalfFloats.bf16(value);
        if (i < out.length) {
          out[i] = bits;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = bits;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "a number");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  private static final class Int32 extends Sink {
    private int[] values;

    Int32(String what, int capacity, int limit) {
      super(what, limit);
      values = new int[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      int[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        if (parser.getNumberType() != JsonParser.NumberType.INT) {
          seen = i;
          throw outside(parser, Integer.MIN_VALUE, Integer.MAX_VALUE);
        }
        int value = parser.getIntValue();
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  private static final class Int64 extends Sink {
    private long[] values;

    Int64(String what, int capacity, int limit) {
      super(what, limit);
      values = new long[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      long[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_NUMBER_INT) {
        JsonParser.NumberType type = parser.getNumberType();
        if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
          seen = i;
          throw outside(parser, Long.MIN_VALUE, Long.MAX_VALUE);
        }
        long value = parser.getLongValue();
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "an integer");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  private static final class Bool extends Sink {
    private boolean[] values;

    Bool(String what, int capacity, int limit) {
      super(what, limit);
      values = new boolean[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      boolean[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_TRUE || token == JsonToken.VALUE_FALSE) {
        boolean value = token == JsonToken.VALUE_TRUE;
        if (i < out.length) {
          out[i] = value;
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = value;
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "true or false");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }

  private static final class Text extends Sink {
    private String[] values;

    Text(String what, int capacity, int limit) {
      super(what, limit);
      values = new String[capacity];
    }

    @Override
    JsonToken scalars(JsonParser parser, JsonToken token) throws IOException {
      String[] out = values;
      int i = (int) seen;
      while (token == JsonToken.VALUE_STRING) {
        if (i < out.length) {
          out[i] = parser.getText();
        } else if (i < limit) {
          out = values = Arrays.copyOf(out, grown(out.length, i));
          out[i] = parser.getText();
        }
        i++;
        token = next(parser);
      }
      seen = i;
      return wrongKind(parser, token, "a string");
    }

    @Override
    Object result() {
      return values.length == seen ? values : Arrays.copyOf(values, (int) seen);
    }
  }
}
