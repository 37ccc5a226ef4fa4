package dev.verge.grpc;

import com.google.protobuf.ByteString;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.ProtocolException;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.grpc.proto.InferTensorContents;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Tensors to and from the protocol's typed {@code InferTensorContents}: the field follows the
 * datatype (INT8, INT16 and INT32 in {@code int_contents}, UINT8 in {@code uint_contents}, and so
 * on; UINT32 and UINT64 as the Java int and long with the same bits, the engine's carriers). FP16
 * and BF16 have no field; they travel as raw contents.
 */
final class TypedContents {
  private TypedContents() {}

  /**
   * @param what names the tensor in messages, for example {@code input 'x'}
   * @throws ProtocolException naming {@code what} when the elements are in another field, their
   *     count does not fit the shape, or one is out of the datatype's range
   */
  static Tensor decode(
      String name, DataType type, long[] shape, InferTensorContents contents, String what) {
    try {
      Tensor.arrayClass(type);
    } catch (ProtocolException e) {
      throw new ProtocolException(what + ": " + e.getMessage());
    }
    int count = count(shape, what);
    String field = field(type, what);
    requireOnly(contents, field, type, what);
    Object data =
        switch (type) {
          case FP32 -> {
            List<Float> values = sized(contents.getFp32ContentsList(), count, field, shape, what);
            float[] out = new float[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case FP64 -> {
            List<Double> values = sized(contents.getFp64ContentsList(), count, field, shape, what);
            double[] out = new double[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case INT64 -> {
            List<Long> values = sized(contents.getInt64ContentsList(), count, field, shape, what);
            long[] out = new long[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case INT32 -> {
            List<Integer> values = sized(contents.getIntContentsList(), count, field, shape, what);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case INT16 -> {
            List<Integer> values = sized(contents.getIntContentsList(), count, field, shape, what);
            short[] out = new short[count];
            for (int i = 0; i < count; i++) {
              out[i] =
                  (short) inRange(values.get(i), Short.MIN_VALUE, Short.MAX_VALUE, i, type, what);
            }
            yield out;
          }
          case INT8 -> {
            List<Integer> values = sized(contents.getIntContentsList(), count, field, shape, what);
            byte[] out = new byte[count];
            for (int i = 0; i < count; i++) {
              out[i] = (byte) inRange(values.get(i), Byte.MIN_VALUE, Byte.MAX_VALUE, i, type, what);
            }
            yield out;
          }
          case UINT8 -> {
            List<Integer> values = sized(contents.getUintContentsList(), count, field, shape, what);
            byte[] out = new byte[count];
            for (int i = 0; i < count; i++) {
              // uint32 arrives as a Java int: compare it unsigned.
              long value = Integer.toUnsignedLong(values.get(i));
              out[i] = (byte) inRange(value, 0, 255, i, type, what);
            }
            yield out;
          }
          case UINT16 -> {
            List<Integer> values = sized(contents.getUintContentsList(), count, field, shape, what);
            short[] out = new short[count];
            for (int i = 0; i < count; i++) {
              long value = Integer.toUnsignedLong(values.get(i));
              out[i] = (short) inRange(value, 0, 65_535, i, type, what);
            }
            yield out;
          }
          case UINT32 -> {
            // Carried as the int with the same bits, as the engine takes it.
            List<Integer> values = sized(contents.getUintContentsList(), count, field, shape, what);
            int[] out = new int[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case UINT64 -> {
            List<Long> values = sized(contents.getUint64ContentsList(), count, field, shape, what);
            long[] out = new long[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case BOOL -> {
            List<Boolean> values = sized(contents.getBoolContentsList(), count, field, shape, what);
            boolean[] out = new boolean[count];
            for (int i = 0; i < count; i++) {
              out[i] = values.get(i);
            }
            yield out;
          }
          case BYTES -> {
            List<ByteString> values =
                sized(contents.getBytesContentsList(), count, field, shape, what);
            String[] out = new String[count];
            for (int i = 0; i < count; i++) {
              out[i] = utf8(values.get(i), i, what);
            }
            yield out;
          }
          default -> throw noField(type, what);
        };
    return new Tensor(name, type, shape, data);
  }

  /** {@code tensor}'s elements in the field its datatype uses. */
  static InferTensorContents encode(Tensor tensor) {
    InferTensorContents.Builder out = InferTensorContents.newBuilder();
    Object data = tensor.data();
    switch (tensor.datatype()) {
      case FP32 -> {
        for (float value : (float[]) data) {
          out.addFp32Contents(value);
        }
      }
      case FP64 -> {
        for (double value : (double[]) data) {
          out.addFp64Contents(value);
        }
      }
      case INT64 -> {
        for (long value : (long[]) data) {
          out.addInt64Contents(value);
        }
      }
      case INT32 -> {
        for (int value : (int[]) data) {
          out.addIntContents(value);
        }
      }
      case INT16 -> {
        for (short value : (short[]) data) {
          out.addIntContents(value);
        }
      }
      case INT8 -> {
        for (byte value : (byte[]) data) {
          out.addIntContents(value);
        }
      }
      case UINT8 -> {
        for (byte value : (byte[]) data) {
          out.addUintContents(Byte.toUnsignedInt(value));
        }
      }
      case UINT16 -> {
        for (short value : (short[]) data) {
          out.addUintContents(Short.toUnsignedInt(value));
        }
      }
      case UINT32 -> {
        for (int value : (int[]) data) {
          out.addUintContents(value);
        }
      }
      case UINT64 -> {
        for (long value : (long[]) data) {
          out.addUint64Contents(value);
        }
      }
      case BOOL -> {
        for (boolean value : (boolean[]) data) {
          out.addBoolContents(value);
        }
      }
      case BYTES -> {
        for (String value : (String[]) data) {
          out.addBytesContents(ByteString.copyFromUtf8(value));
        }
      }
      default ->
          throw new IllegalArgumentException(
              "output '" + tensor.name() + "' is " + tensor.datatype() + ": no typed contents");
    }
    return out.build();
  }

  /** Whether {@code type} has a field of its own in {@code InferTensorContents}. */
  static boolean typed(DataType type) {
    return type != DataType.FP16 && type != DataType.BF16;
  }

  /** The field of {@code InferTensorContents} that carries {@code type}. */
  static String field(DataType type, String what) {
    return switch (type) {
      case BOOL -> "bool_contents";
      case INT8, INT16, INT32 -> "int_contents";
      case INT64 -> "int64_contents";
      case UINT8, UINT16, UINT32 -> "uint_contents";
      case UINT64 -> "uint64_contents";
      case FP32 -> "fp32_contents";
      case FP64 -> "fp64_contents";
      case BYTES -> "bytes_contents";
      default -> throw noField(type, what);
    };
  }

  private static ProtocolException noField(DataType type, String what) {
    return new ProtocolException(
        what + " is " + type + ", which has no typed contents: send it in raw_input_contents");
  }

  private static void requireOnly(
      InferTensorContents contents, String field, DataType type, String what) {
    int[] counts = {
      contents.getBoolContentsCount(),
      contents.getIntContentsCount(),
      contents.getInt64ContentsCount(),
      contents.getUintContentsCount(),
      contents.getUint64ContentsCount(),
      contents.getFp32ContentsCount(),
      contents.getFp64ContentsCount(),
      contents.getBytesContentsCount()
    };
    String[] fields = {
      "bool_contents",
      "int_contents",
      "int64_contents",
      "uint_contents",
      "uint64_contents",
      "fp32_contents",
      "fp64_contents",
      "bytes_contents"
    };
    for (int i = 0; i < fields.length; i++) {
      if (counts[i] > 0 && !fields[i].equals(field)) {
        throw new ProtocolException(
            what
                + " is "
                + type
                + ", whose elements go in "
                + field
                + ", but the request has "
                + counts[i]
                + " in "
                + fields[i]);
      }
    }
  }

  private static <T> List<T> sized(
      List<T> values, int count, String field, long[] shape, String what) {
    if (values.size() != count) {
      throw new ProtocolException(
          what
              + " has "
              + values.size()
              + " elements in "
              + field
              + ", but shape "
              + TensorCodec.shapeText(shape)
              + " needs "
              + count);
    }
    return values;
  }

  private static long inRange(
      long value, long min, long max, int index, DataType type, String what) {
    if (value < min || value > max) {
      throw new ProtocolException(
          what + ": element " + index + " is " + value + ", outside the range of " + type);
    }
    return value;
  }

  private static String utf8(ByteString bytes, int index, String what) {
    try {
      ByteBuffer buffer = bytes.asReadOnlyByteBuffer();
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(buffer)
          .toString();
    } catch (CharacterCodingException e) {
      throw new ProtocolException(what + ": element " + index + " is not valid UTF-8");
    }
  }

  /** The element count of {@code shape}, refused by name when negative or too large. */
  static int count(long[] shape, String what) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new ProtocolException(
            what + " has a negative dimension in shape " + TensorCodec.shapeText(shape));
      }
      if (dim != 0 && count > (Integer.MAX_VALUE - 8) / dim) {
        throw new ProtocolException(
            what + " has shape " + TensorCodec.shapeText(shape) + ", too many elements");
      }
      count *= dim;
    }
    return (int) count;
  }
}
