package dev.verge.core.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Writes an infer answer with Jackson's streaming generator straight from the outputs' primitive
 * arrays: the same JSON {@link InferResponse} and {@link TensorCodec#encode} give (field names,
 * order, number text), with no intermediate objects; outputs asked for in binary follow the JSON as
 * {@link BinaryTensors} sections, written straight into the answer.
 */
public final class InferResponseWriter {
  /**
   * Jackson's defaults, as the object mapper's: the same number text. (Its fast floating-point
   * writer measured no faster than the JDK's Float.toString here, so it is left off.)
   */
  private static final JsonFactory FACTORY = Json.factory();

  private InferResponseWriter() {}

  /**
   * An answer's bytes.
   *
   * @param jsonLength the length of the JSON part when binary sections follow it, else -1
   */
  public record Encoded(byte[] bytes, int jsonLength) {}

  /**
   * @param id the request's id, left out when null
   * @param binary the names of the outputs to answer as binary sections
   */
  public static Encoded write(
      String model, String version, String id, List<Tensor> outputs, Set<String> binary) {
    return write(model, version, id, outputs, binary, TensorBudget.unlimited());
  }

  /**
   * @param budget charged, before each JSON output is written, the most its text can take
   */
  public static Encoded write(
      String model,
      String version,
      String id,
      List<Tensor> outputs,
      Set<String> binary,
      TensorBudget budget) {
    // Jackson's segmented builder: a large answer grows without being copied as it goes.
    ByteArrayBuilder json = new ByteArrayBuilder(FACTORY._getBufferRecycler());
    long sectionBytes = 0;
    try (JsonGenerator generator = FACTORY.createGenerator(json)) {
      generator.writeStartObject();
      generator.writeStringField("model_name", model);
      generator.writeStringField("model_version", version);
      if (id != null) {
        generator.writeStringField("id", id);
      }
      generator.writeArrayFieldStart("outputs");
      for (Tensor output : outputs) {
        generator.writeStartObject();
        head(generator, output);
        if (binary.contains(output.name())) {
          long size = sectionSize(output);
          sectionBytes += size;
          generator.writeObjectFieldStart("parameters");
          generator.writeNumberField(BinaryTensors.SIZE, size);
          generator.writeEndObject();
        } else {
          budget.reserve(
              "output '" + output.name() + "'",
              TensorBudget.jsonTextBytes(output.datatype(), output.size()));
          generator.writeFieldName("data");
          data(generator, output);
        }
        generator.writeEndObject();
      }
      generator.writeEndArray();
      generator.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // Writing to memory does not fail.
    }
    byte[] text = json.toByteArray();
    json.release();
    if (binary.isEmpty()) {
      return new Encoded(text, -1);
    }
    int jsonLength = text.length;
    byte[] answer = Arrays.copyOf(text, Math.toIntExact(jsonLength + sectionBytes));
    ByteBuffer sections = ByteBuffer.wrap(answer).order(ByteOrder.LITTLE_ENDIAN);
    sections.position(jsonLength);
    for (Tensor output : outputs) {
      if (binary.contains(output.name())) {
        section(sections, output);
      }
    }
    return new Encoded(answer, jsonLength);
  }

  /**
   * {@code tensors} as a JSON array of the protocol's tensor objects ({@code name}, {@code shape},
   * {@code datatype}, {@code data}), what {@link TensorCodec#encode} and a data-bound writer would
   * give, written straight from the arrays: a prediction record keeps its tensors in this form.
   */
  public static void tensors(JsonGenerator generator, List<Tensor> tensors) throws IOException {
    generator.writeStartArray();
    for (Tensor tensor : tensors) {
      generator.writeStartObject();
      head(generator, tensor);
      generator.writeFieldName("data");
      data(generator, tensor);
      generator.writeEndObject();
    }
    generator.writeEndArray();
  }

  private static void head(JsonGenerator generator, Tensor tensor) throws IOException {
    generator.writeStringField("name", tensor.name());
    generator.writeArrayFieldStart("shape");
    for (long dim : tensor.shape()) {
      generator.writeNumber(dim);
    }
    generator.writeEndArray();
    generator.writeStringField("datatype", tensor.datatype().name());
  }

  /** One output's {@code data}, as {@link TensorCodec#encode} has it: 8-bit types as numbers. */
  static void data(JsonGenerator generator, Tensor tensor) throws IOException {
    Object data = tensor.data();
    switch (tensor.datatype()) {
      case FP32 -> {
        float[] values = (float[]) data;
        generator.writeStartArray(values, values.length);
        for (float value : values) {
          generator.writeNumber(value);
        }
        generator.writeEndArray();
      }
      case FP64 -> {
        double[] values = (double[]) data;
        generator.writeArray(values, 0, values.length);
      }
      case INT32 -> {
        int[] values = (int[]) data;
        generator.writeArray(values, 0, values.length);
      }
      case INT64 -> {
        long[] values = (long[]) data;
        generator.writeArray(values, 0, values.length);
      }
      case INT16 -> {
        short[] values = (short[]) data;
        generator.writeStartArray(values, values.length);
        for (short value : values) {
          generator.writeNumber(value);
        }
        generator.writeEndArray();
      }
      case INT8 -> {
        byte[] values = (byte[]) data;
        generator.writeStartArray(values, values.length);
        for (byte value : values) {
          generator.writeNumber(value);
        }
        generator.writeEndArray();
      }
      case UINT8 -> {
        byte[] values = (byte[]) data;
        generator.writeStartArray(values, values.length);
        for (byte value : values) {
          generator.writeNumber(Byte.toUnsignedInt(value));
        }
        generator.writeEndArray();
      }
      case UINT16 -> {
        short[] values = (short[]) data;
        generator.writeStartArray(values, values.length);
        for (short value : values) {
          generator.writeNumber(Short.toUnsignedInt(value));
        }
        generator.writeEndArray();
      }
      case UINT32 -> {
        int[] values = (int[]) data;
        generator.writeStartArray(values, values.length);
        for (int value : values) {
          generator.writeNumber(Integer.toUnsignedLong(value));
        }
        generator.writeEndArray();
      }
      case UINT64 -> {
        long[] values = (long[]) data;
        generator.writeStartArray(values, values.length);
        for (long value : values) {
          if (value >= 0) {
            generator.writeNumber(value);
          } else {
            generator.writeNumber(Long.toUnsignedString(value));
          }
        }
        generator.writeEndArray();
      }
      case FP16, BF16 -> {
        short[] values = (short[]) data;
        boolean fp16 = tensor.datatype() == DataType.FP16;
        generator.writeStartArray(values, values.length);
        for (short value : values) {
          generator.writeNumber(fp16 ? HalfFloats.fromFp16(value) : HalfFloats.fromBf16(value));
        }
        generator.writeEndArray();
      }
      case BOOL -> {
        boolean[] values = (boolean[]) data;
        generator.writeStartArray(values, values.length);
        for (boolean value : values) {
          generator.writeBoolean(value);
        }
        generator.writeEndArray();
      }
      case BYTES -> {
        String[] values = (String[]) data;
        generator.writeArray(values, 0, values.length);
      }
    }
  }

  private static long sectionSize(Tensor tensor) {
    if (tensor.datatype() != DataType.BYTES) {
      return (long) tensor.size() * tensor.datatype().byteSize();
    }
    long size = 0;
    for (String value : (String[]) tensor.data()) {
      size += 4 + utf8Length(value);
    }
    return size;
  }

  private static void section(ByteBuffer out, Tensor tensor) {
    int start = out.position();
    switch (tensor.datatype()) {
      case FP32 -> out.asFloatBuffer().put((float[]) tensor.data());
      case FP64 -> out.asDoubleBuffer().put((double[]) tensor.data());
      case INT16, UINT16, FP16, BF16 -> out.asShortBuffer().put((short[]) tensor.data());
      case INT32, UINT32 -> out.asIntBuffer().put((int[]) tensor.data());
      case INT64, UINT64 -> out.asLongBuffer().put((long[]) tensor.data());
      case INT8, UINT8 -> out.put((byte[]) tensor.data());
      case BOOL -> {
        for (boolean value : (boolean[]) tensor.data()) {
          out.put((byte) (value ? 1 : 0));
        }
      }
      case BYTES -> {
        for (String value : (String[]) tensor.data()) {
          byte[] bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
          out.putInt(bytes.length).put(bytes);
        }
      }
    }
    out.position(Math.toIntExact(start + sectionSize(tensor)));
  }

  /** UTF-8 length without encoding (unpaired surrogates become '?', one byte, as getBytes does). */
  private static long utf8Length(String value) {
    long length = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x80) {
        length += 1;
      } else if (c < 0x800) {
        length += 2;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        length += 4;
        i++;
      } else if (Character.isSurrogate(c)) {
        length += 1;
      } else {
        length += 3;
      }
    }
    return length;
  }
}
