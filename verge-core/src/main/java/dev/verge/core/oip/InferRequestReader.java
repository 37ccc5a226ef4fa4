package dev.verge.core.oip;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads an infer request body in one pass of Jackson's streaming parser: each input's {@code data}
 * goes straight into its element array ({@link TensorData}), and inputs with {@value
 * BinaryTensors#SIZE} take their section of the binary part as they come, so no JSON tree and no
 * boxed number is ever built. The rules and messages are {@link TensorCodec}'s and {@link
 * BinaryTensors}'s.
 *
 * <p>Fields may come in any order: an input whose {@code data} comes before its name, datatype and
 * shape has that value's bytes remembered and read once the input's object ends.
 */
public final class InferRequestReader {
  /** Numbers parsed by Jackson's fast floating-point parser (exact, several times faster). */
  static final JsonFactory FACTORY =
      JsonFactory.builder()
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .recyclerPool(Json.buffers())
          .build();

  private static final TypeReference<Map<String, Object>> PARAMETERS = new TypeReference<>() {};
  private static final int NAME = 1;
  private static final int SHAPE = 2;
  private static final int DATATYPE = 4;
  private static final int INPUT_PARAMETERS = 8;
  private static final int DATA = 16;

  private final byte[] body;
  private final int offset;
  private final int length;
  private final ByteBuffer rest;
  private final TensorBudget budget;
  private final JsonParser parser;
  private String lastSection;

  private InferRequestReader(
      byte[] body, int offset, int length, ByteBuffer binary, TensorBudget budget)
      throws IOException {
    this.body = body;
    this.offset = offset;
    this.length = length;
    this.rest = BinaryTensors.sections(binary);
    this.budget = budget;
    this.parser = FACTORY.createParser(body, offset, length);
  }

  /** Reads a JSON-only request. */
  public static DecodedRequest read(byte[] json) {
    return read(json, 0, json.length, null, TensorBudget.unlimited());
  }

  /**
   * Reads a request whose JSON is {@code length} bytes of {@code body} from {@code offset}.
   *
   * @param binary the binary part after the JSON (the binary tensor extension), null when none
   * @param budget asked before each input's elements are allocated
   * @throws JsonFormatException when the JSON is malformed, saying where
   * @throws ProtocolException when it is JSON but not a valid request, naming the input and element
   */
  public static DecodedRequest read(
      byte[] body, int offset, int length, ByteBuffer binary, TensorBudget budget) {
    try {
      InferRequestReader reader = new InferRequestReader(body, offset, length, binary, budget);
      try (JsonParser parser = reader.parser) {
        return reader.request();
      }
    } catch (IOException e) {
      throw Json.malformed(e);
    }
  }

  private DecodedRequest request() throws IOException {
    JsonToken token = parser.nextToken();
    if (token == null) {
      throw new JsonFormatException("empty; expected an infer request (a JSON object)");
    }
    if (token != JsonToken.START_OBJECT) {
      throw new JsonFormatException(
          "not a JSON object (an infer request is {\"inputs\": [...]}), it starts with "
              + TensorData.shown(parser, token));
    }
    String id = null;
    Map<String, Object> parameters = null;
    List<Tensor> inputs = null;
    List<InferRequest.RequestedOutput> outputs = null;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      switch (field) {
        case "id" -> id = id(value);
        case "parameters" -> parameters = parameters(value, "the request's parameters");
        case "inputs" -> {
          if (inputs != null) {
            throw new ProtocolException("the request has 'inputs' twice");
          }
          inputs = inputs(value);
        }
        case "outputs" -> outputs = outputs(value);
        default -> parser.skipChildren();
      }
    }
    if (parser.nextToken() != null) {
      throw new JsonFormatException(
          "malformed JSON at line "
              + parser.currentTokenLocation().getLineNr()
              + ", column "
              + parser.currentTokenLocation().getColumnNr()
              + ": more content after the request object");
    }
    BinaryTensors.requireConsumed(rest, lastSection);
    return new DecodedRequest(id, parameters, inputs, outputs);
  }

  private String id(JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (!value.isScalarValue()) {
      throw new ProtocolException("the request's id must be a string");
    }
    return parser.getText();
  }

  private Map<String, Object> parameters(JsonToken value, String what) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_OBJECT) {
      throw new ProtocolException(what + " must be an object, got " + shownValue(value));
    }
    return Json.mapper().readValue(parser, PARAMETERS);
  }

  private List<Tensor> inputs(JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_ARRAY) {
      throw new ProtocolException("inputs must be a list of input objects");
    }
    List<Tensor> inputs = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (token == JsonToken.VALUE_NULL) {
        throw new ProtocolException("inputs holds a null entry");
      }
      if (token != JsonToken.START_OBJECT) {
        throw new ProtocolException(
            "inputs[" + inputs.size() + "] is " + shownValue(token) + ", not an input object");
      }
      inputs.add(input(inputs.size()));
    }
    return inputs;
  }

  /** Reads the input object the parser is on, leaving it on the object's end. */
  private Tensor input(int index) throws IOException {
    String name = null;
    String datatype = null;
    List<Long> shape = null;
    Map<String, Object> parameters = null;
    Object elements = null;
    long dataStart = -1;
    long dataEnd = -1;
    int seen = 0;
    JsonToken token;
    while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      String label = name != null ? "input '" + name + "'" : "inputs[" + index + "]";
      int bit =
          switch (field) {
            case "name" -> NAME;
            case "shape" -> SHAPE;
            case "datatype" -> DATATYPE;
            case "parameters" -> INPUT_PARAMETERS;
            case "data" -> DATA;
            default -> 0;
          };
      if ((seen & bit) != 0) {
        throw new ProtocolException(label + " has '" + field + "' twice");
      }
      seen |= bit;
      switch (field) {
        case "name" -> name = text(value, label + ": name");
        case "datatype" -> datatype = text(value, label + ": datatype");
        case "shape" -> shape = shape(value, label);
        case "parameters" -> parameters = parameters(value, label + ": parameters");
        case "data" -> {
          if (value == JsonToken.VALUE_NULL) {
            seen &= ~DATA; // Null data is no data, as the tree reader has it.
          } else if (name != null && datatype != null && shape != null && !sized(parameters)) {
            TensorCodec.Declared declared = TensorCodec.declared(name, datatype, shape);
            reserve(declared);
            long left = length - parser.currentTokenLocation().getByteOffset();
            elements = TensorData.read(parser, declared, bound(left));
            reserveText(declared, elements);
          } else {
            dataStart = parser.currentTokenLocation().getByteOffset();
            parser.skipChildren();
            dataEnd = parser.currentLocation().getByteOffset();
          }
        }
        default -> parser.skipChildren();
      }
    }
    TensorCodec.Declared declared = TensorCodec.declared(name, datatype, shape);
    boolean hasData = (seen & DATA) != 0;
    if (sized(parameters)) {
      if (hasData) {
        throw BinaryTensors.bothDataAndSize(declared.what());
      }
      lastSection = declared.name();
      return BinaryTensors.section(declared, parameters.get(BinaryTensors.SIZE), rest, budget);
    }
    if (!hasData) {
      throw new ProtocolException(declared.what() + " has no data");
    }
    if (elements == null) {
      reserve(declared);
      int start = (int) dataStart;
      int span = (int) (dataEnd - dataStart);
      try (JsonParser data = FACTORY.createParser(body, offset + start, span)) {
        data.nextToken();
        elements = TensorData.read(data, declared, bound(span));
      }
      reserveText(declared, elements);
    }
    return new Tensor(declared.name(), declared.type(), declared.shape(), elements);
  }

  private void reserve(TensorCodec.Declared declared) {
    budget.reserve(declared.what(), declared.type(), declared.shape());
  }

  /** BYTES contents are known once read: charged then, two bytes a char. */
  private void reserveText(TensorCodec.Declared declared, Object elements) {
    if (elements instanceof String[] strings) {
      long chars = 0;
      for (String value : strings) {
        chars += value.length();
      }
      budget.reserve(declared.what(), 2 * chars);
    }
  }

  /** The most elements {@code bytes} of JSON can hold: each takes a character and a comma. */
  private static long bound(long bytes) {
    return bytes / 2 + 1;
  }

  private static boolean sized(Map<String, Object> parameters) {
    return parameters != null && parameters.containsKey(BinaryTensors.SIZE);
  }

  private String text(JsonToken value, String what) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.VALUE_STRING) {
      throw new ProtocolException(what + " must be a string, got " + shownValue(value));
    }
    return parser.getText();
  }

  private List<Long> shape(JsonToken value, String label) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_ARRAY) {
      throw new ProtocolException(
          label + ": shape must be a list of whole numbers, got " + shownValue(value));
    }
    List<Long> shape = new ArrayList<>(4);
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      if (token == JsonToken.VALUE_NULL) {
        shape.add(null);
      } else if (token == JsonToken.VALUE_NUMBER_INT) {
        shape.add(
            parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                ? (parser.getText().startsWith("-") ? -1L : Long.MAX_VALUE)
                : parser.getLongValue());
      } else {
        throw new ProtocolException(
            label + ": shape must be a list of whole numbers, it holds " + shownValue(token));
      }
    }
    return shape;
  }

  private List<InferRequest.RequestedOutput> outputs(JsonToken value) throws IOException {
    if (value == JsonToken.VALUE_NULL) {
      return null;
    }
    if (value != JsonToken.START_ARRAY) {
      throw new ProtocolException("outputs must be a list of objects like {\"name\": \"...\"}");
    }
    List<InferRequest.RequestedOutput> outputs = new ArrayList<>();
    JsonToken token;
    while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
      String label = "outputs[" + outputs.size() + "]";
      if (token == JsonToken.VALUE_NULL) {
        outputs.add(null);
        continue;
      }
      if (token != JsonToken.START_OBJECT) {
        throw new ProtocolException(label + " is " + shownValue(token) + ", not an output object");
      }
      String name = null;
      Map<String, Object> parameters = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken fieldValue = parser.nextToken();
        switch (field) {
          case "name" -> name = text(fieldValue, label + ": name");
          case "parameters" -> parameters = parameters(fieldValue, label + ": parameters");
          default -> parser.skipChildren();
        }
      }
      outputs.add(new InferRequest.RequestedOutput(name, parameters));
    }
    return outputs;
  }

  /** A value for a message: scalars as their text, containers by kind. */
  private String shownValue(JsonToken token) throws IOException {
    return switch (token) {
      case START_ARRAY -> "a list";
      case START_OBJECT -> "an object";
      default -> TensorData.shown(parser, token);
    };
  }
}
