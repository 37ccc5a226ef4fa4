package dev.verge.core.oip;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The binary tensor data extension: the first N bytes of a body are its JSON header, N given by the
 * HTTP header {@value #HEADER}, and the rest are the raw bytes of the inputs (or outputs) that
 * carry {@code parameters.binary_data_size}, in their order. Elements are little-endian and
 * row-major, BOOL one byte (0 or 1), a BYTES element a 4-byte little-endian length and that many
 * bytes of UTF-8. Every refusal is a {@link ProtocolException} naming the input, as {@link
 * TensorCodec}'s are.
 */
public final class BinaryTensors {
  /** The HTTP header giving the length of the JSON header at the start of the body. */
  public static final String HEADER = "Inference-Header-Content-Length";

  /** Content type of a body holding binary tensor data. */
  public static final String CONTENT_TYPE = "application/octet-stream";

  /** The input and output parameter giving the length of a tensor's binary section. */
  public static final String SIZE = "binary_data_size";

  /** The requested-output parameter asking for that output in binary. */
  public static final String OUTPUT = "binary_data";

  /** The request parameter asking for every output in binary. */
  public static final String ALL_OUTPUTS = "binary_data_output";

  private BinaryTensors() {}

  /**
   * The length of the JSON header as the {@value #HEADER} header gives it.
   *
   * @throws ProtocolException when the value is empty, not a whole number, negative, or longer than
   *     the body of {@code bodyLength} bytes
   */
  public static int headerLength(String value, int bodyLength) {
    if (value == null || value.isBlank()) {
      throw new ProtocolException(
          HEADER + " is empty: it must give the length of the JSON header in bytes");
    }
    long length;
    try {
      length = Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new ProtocolException(HEADER + " is '" + value + "', not a length in bytes");
    }
    if (length < 0) {
      throw new ProtocolException(HEADER + " is " + length + ", a negative length");
    }
    if (length > bodyLength) {
      throw new ProtocolException(
          HEADER + " is " + length + ", longer than the " + bodyLength + "-byte body");
    }
    return (int) length;
  }

  /**
   * Decodes a request's inputs: those with {@value #SIZE} from the next section of {@code binary},
   * the others from their JSON {@code data}.
   *
   * @param binary the bytes after the JSON header, or null when the request has no binary part
   * @throws ProtocolException naming the input whose data is wrong, or the last binary input when
   *     bytes are left over
   */
  public static List<Tensor> decode(List<InferInput> inputs, ByteBuffer binary) {
    return decode(inputs, binary, TensorBudget.unlimited());
  }

  /**
   * {@link #decode(List, ByteBuffer)}, charging each input to {@code budget} from its declared
   * shape before its elements are allocated (and BYTES contents as they are known).
   *
   * @throws TensorBudgetException naming the first input that does not fit
   */
  public static List<Tensor> decode(
      List<InferInput> inputs, ByteBuffer binary, TensorBudget budget) {
    ByteBuffer rest = sections(binary);
    List<Tensor> tensors = new ArrayList<>(inputs.size());
    String last = null;
    for (InferInput input : inputs) {
      if (input != null && input.parameters() != null && input.parameters().containsKey(SIZE)) {
        tensors.add(decodeSection(input, rest, budget));
        last = input.name();
      } else {
        tensors.add(TensorCodec.decode(input, budget));
      }
    }
    requireConsumed(rest, last);
    return tensors;
  }

  /** The little-endian view of a request's binary part that {@link #section} reads on from. */
  static ByteBuffer sections(ByteBuffer binary) {
    return binary == null ? null : binary.slice().order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * @param last the last input that had a section, null when none had
   * @throws ProtocolException when bytes are left after the last section
   */
  static void requireConsumed(ByteBuffer rest, String last) {
    if (rest != null && rest.hasRemaining()) {
      throw new ProtocolException(
          last == null
              ? "the body has "
                  + rest.remaining()
                  + " bytes of binary data after its JSON header, but no input has "
                  + SIZE
              : "the body has "
                  + rest.remaining()
                  + " bytes of binary data after the section of input '"
                  + last
                  + "', the last input with "
                  + SIZE);
    }
  }

  private static Tensor decodeSection(InferInput input, ByteBuffer rest, TensorBudget budget) {
    TensorCodec.Declared declared = TensorCodec.declared(input);
    JsonNode data = input.data();
    if (data != null && !data.isNull() && !data.isMissingNode()) {
      throw bothDataAndSize(declared.what());
    }
    return section(declared, input.parameters().get(SIZE), rest, budget);
  }

  static ProtocolException bothDataAndSize(String what) {
    return new ProtocolException(what + " has both 'data' and " + SIZE + ": send one of them");
  }

  /**
   * Reads a declared input's section from {@code rest}, moving it on past the section.
   *
   * @param sizeValue the input's {@value #SIZE} parameter as given
   * @param budget asked before the elements are allocated
   */
  static Tensor section(
      TensorCodec.Declared declared, Object sizeValue, ByteBuffer rest, TensorBudget budget) {
    String what = declared.what();
    DataType type = declared.type();
    long size = size(sizeValue, what);
    if (rest == null) {
      throw new ProtocolException(
          what
              + " has "
              + SIZE
              + " "
              + size
              + ", but the request has no binary data: give the JSON header's length in the "
              + HEADER
              + " header and append the bytes");
    }
    if (type != DataType.BYTES) {
      long needed = declared.count() * type.byteSize();
      if (size != needed) {
        throw new ProtocolException(
            what
                + ": "
                + SIZE
                + " is "
                + size
                + ", but shape "
                + TensorCodec.shapeText(declared.shape())
                + " of "
                + type
                + " needs "
                + needed
                + " bytes");
      }
    } else if (size < 4 * declared.count()) {
      throw new ProtocolException(
          what
              + ": "
              + SIZE
              + " is "
              + size
              + ", too small for the "
              + declared.count()
              + " BYTES elements of shape "
              + TensorCodec.shapeText(declared.shape())
              + " (each takes at least 4 bytes)");
    }
    // Before the bytes are looked at: a shape over the budget is refused for what it declares.
    budget.reserve(what, type, declared.shape());
    if (type == DataType.BYTES) {
      budget.reserve(what, size);
    }
    if (size > rest.remaining()) {
      throw new ProtocolException(
          what
              + ": "
              + SIZE
              + " is "
              + size
              + ", but only "
              + rest.remaining()
              + " bytes of binary data are left for it");
    }
    ByteBuffer section = rest.slice(rest.position(), (int) size).order(ByteOrder.LITTLE_ENDIAN);
    rest.position(rest.position() + (int) size);
    Object elements = elements(type, (int) declared.count(), section, what);
    return new Tensor(declared.name(), type, declared.shape(), elements);
  }

  private static long size(Object value, String what) {
    if ((value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0) {
      return ((Number) value).longValue();
    }
    throw new ProtocolException(
        what + ": " + SIZE + " must be a non-negative whole number, got " + value);
  }

  private static Object elements(DataType type, int count, ByteBuffer section, String what) {
    return switch (type) {
      case FP32 -> {
        float[] values = new float[count];
        section.asFloatBuffer().get(values);
        yield values;
      }
      case FP64 -> {
        double[] values = new double[count];
        section.asDoubleBuffer().get(values);
        yield values;
      }
      case INT8, UINT8 -> {
        byte[] values = new byte[count];
        section.get(values);
        yield values;
      }
      case INT16, UINT16, FP16, BF16 -> {
        short[] values = new short[count];
        section.asShortBuffer().get(values);
        yield values;
      }
      case INT32, UINT32 -> {
        int[] values = new int[count];
        section.asIntBuffer().get(values);
        yield values;
      }
      case INT64, UINT64 -> {
        long[] values = new long[count];
        section.asLongBuffer().get(values);
        yield values;
      }
      case BOOL -> {
        boolean[] values = new boolean[count];
        for (int i = 0; i < count; i++) {
          byte value = section.get();
          if (value != 0 && value != 1) {
            throw new ProtocolException(
                what + ": element " + i + " is byte " + Byte.toUnsignedInt(value) + ", not 0 or 1");
          }
          values[i] = value == 1;
        }
        yield values;
      }
      case BYTES -> strings(count, section, what);
    };
  }

  private static String[] strings(int count, ByteBuffer section, String what) {
    CharsetDecoder utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    String[] values = new String[count];
    for (int i = 0; i < count; i++) {
      if (section.remaining() < 4) {
        throw new ProtocolException(
            what
                + ": its "
                + SIZE
                + " ends inside the length of element "
                + i
                + " of "
                + count
                + " BYTES elements");
      }
      long length = Integer.toUnsignedLong(section.getInt());
      if (length > section.remaining()) {
        throw new ProtocolException(
            what
                + ": element "
                + i
                + " says it has "
                + length
                + " bytes, but only "
                + section.remaining()
                + " are left in its "
                + SIZE);
      }
      ByteBuffer bytes = section.slice(section.position(), (int) length);
      section.position(section.position() + (int) length);
      try {
        CharBuffer text = utf8.reset().decode(bytes);
        values[i] = text.toString();
      } catch (CharacterCodingException e) {
        throw new ProtocolException(what + ": element " + i + " is not valid UTF-8");
      }
    }
    if (section.hasRemaining()) {
      throw new ProtocolException(
          what
              + ": its "
              + SIZE
              + " has "
              + section.remaining()
              + " bytes after its "
              + count
              + " BYTES elements");
    }
    return values;
  }

  /**
   * One tensor from its raw bytes alone (as the gRPC protocol's {@code raw_input_contents} carry
   * them), laid out as a binary section is.
   *
   * @param what names the tensor in messages, for example {@code input 'x'}
   * @throws ProtocolException naming {@code what} when the shape is negative or too large, the
   *     datatype unsupported, or the bytes do not hold exactly that many elements
   */
  public static Tensor fromBytes(
      String name, DataType type, long[] shape, ByteBuffer bytes, String what) {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new ProtocolException(
            what + " has a negative dimension in shape " + TensorCodec.shapeText(shape));
      }
      try {
        count = Math.multiplyExact(count, dim);
      } catch (ArithmeticException e) {
        count = Long.MAX_VALUE;
      }
    }
    if (count > Integer.MAX_VALUE - 8) {
      throw new ProtocolException(
          what + " has shape " + TensorCodec.shapeText(shape) + ", too many elements");
    }
    ByteBuffer section = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    if (type != DataType.BYTES && type.byteSize() > 0) {
      long needed = count * type.byteSize();
      if (section.remaining() != needed) {
        throw new ProtocolException(
            what
                + ": its raw contents have "
                + section.remaining()
                + " bytes, but shape "
                + TensorCodec.shapeText(shape)
                + " of "
                + type
                + " needs "
                + needed);
      }
    } else if (section.remaining() < 4 * count) {
      throw new ProtocolException(
          what
              + ": its raw contents have "
              + section.remaining()
              + " bytes, too few for the "
              + count
              + " BYTES elements of shape "
              + TensorCodec.shapeText(shape)
              + " (each takes at least 4 bytes)");
    }
    return new Tensor(name, type, shape, elements(type, (int) count, section, what));
  }

  /** A tensor's binary section: little-endian, row-major, as {@link #decode} reads it. */
  public static byte[] encode(Tensor tensor) {
    Object data = tensor.data();
    return switch (tensor.datatype()) {
      case FP32 -> {
        float[] values = (float[]) data;
        ByteBuffer out = allocate(values.length, 4);
        out.asFloatBuffer().put(values);
        yield out.array();
      }
      case FP64 -> {
        double[] values = (double[]) data;
        ByteBuffer out = allocate(values.length, 8);
        out.asDoubleBuffer().put(values);
        yield out.array();
      }
      case INT8, UINT8 -> ((byte[]) data).clone();
      case INT16, UINT16, FP16, BF16 -> {
        short[] values = (short[]) data;
        ByteBuffer out = allocate(values.length, 2);
        out.asShortBuffer().put(values);
        yield out.array();
      }
      case INT32, UINT32 -> {
        int[] values = (int[]) data;
        ByteBuffer out = allocate(values.length, 4);
        out.asIntBuffer().put(values);
        yield out.array();
      }
      case INT64, UINT64 -> {
        long[] values = (long[]) data;
        ByteBuffer out = allocate(values.length, 8);
        out.asLongBuffer().put(values);
        yield out.array();
      }
      case BOOL -> {
        boolean[] values = (boolean[]) data;
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
          out[i] = (byte) (values[i] ? 1 : 0);
        }
        yield out;
      }
      case BYTES -> {
        String[] values = (String[]) data;
        List<byte[]> encoded = new ArrayList<>(values.length);
        long total = 0;
        for (String value : values) {
          byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
          encoded.add(bytes);
          total += 4 + bytes.length;
        }
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(total)).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] bytes : encoded) {
          out.putInt(bytes.length).put(bytes);
        }
        yield out.array();
      }
    };
  }

  private static ByteBuffer allocate(int count, int elementSize) {
    return ByteBuffer.allocate(Math.multiplyExact(count, elementSize))
        .order(ByteOrder.LITTLE_ENDIAN);
  }

  /**
   * The outputs to answer in binary: an output's own {@value #OUTPUT} parameter wins, otherwise the
   * request's {@value #ALL_OUTPUTS}; neither means JSON.
   *
   * @param outputs the names of the outputs the answer will hold
   * @throws ProtocolException when either parameter is not true or false
   */
  public static Set<String> binaryOutputs(InferRequest request, List<String> outputs) {
    return binaryOutputs(request.parameters(), request.outputs(), outputs);
  }

  /**
   * {@link #binaryOutputs(InferRequest, List)} from a request's parameters and requested outputs.
   */
  public static Set<String> binaryOutputs(
      Map<String, Object> parameters,
      List<InferRequest.RequestedOutput> requested,
      List<String> outputs) {
    boolean all = flag(parameters, ALL_OUTPUTS, "request parameter " + ALL_OUTPUTS);
    Set<String> explicitlyBinary = new HashSet<>();
    Set<String> explicitlyJson = new HashSet<>();
    if (requested != null) {
      for (InferRequest.RequestedOutput output : requested) {
        if (output == null
            || output.parameters() == null
            || !output.parameters().containsKey(OUTPUT)) {
          continue;
        }
        String what = "output '" + output.name() + "': parameter " + OUTPUT;
        (flag(output.parameters(), OUTPUT, what) ? explicitlyBinary : explicitlyJson)
            .add(output.name());
      }
    }
    Set<String> binary = new LinkedHashSet<>();
    for (String output : outputs) {
      if (explicitlyBinary.contains(output) || (all && !explicitlyJson.contains(output))) {
        binary.add(output);
      }
    }
    return binary;
  }

  private static boolean flag(Map<String, Object> parameters, String key, String what) {
    if (parameters == null || !parameters.containsKey(key)) {
      return false;
    }
    if (parameters.get(key) instanceof Boolean value) {
      return value;
    }
    throw new ProtocolException(what + " must be true or false, got " + parameters.get(key));
  }
}
