package dev.verge.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.core.util.RecyclerPool;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON configuration every Verge program shares, so that the wire looks the same. */
public final class Json {
  /**
   * Jackson's working buffers, shared by every factory. Its default pool keeps them per thread, and
   * the agent serves each request on a new virtual thread, so every request allocated them afresh
   * (~12 KiB for a writer). Bounded: past it, buffers given back are left to the collector.
   */
  private static final RecyclerPool<BufferRecycler> BUFFERS = JsonRecyclerPools.newBoundedPool(256);

  private static final ObjectMapper MAPPER =
      JsonMapper.builder(factory())
          .addModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .defaultPropertyInclusion(
              JsonInclude.Value.construct(
                  JsonInclude.Include.NON_NULL, JsonInclude.Include.USE_DEFAULTS))
          .build();

  private static final ObjectMapper PRETTY =
      MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** A streaming factory on the shared buffers. */
  public static JsonFactory factory() {
    return JsonFactory.builder().recyclerPool(BUFFERS).build();
  }

  /** The shared buffers, for a factory built with other features. */
  public static RecyclerPool<BufferRecycler> buffers() {
    return BUFFERS;
  }

  public static ObjectMapper mapper() {
    return MAPPER;
  }

  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static String writeString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  public static String pretty(Object value) {
    try {
      return PRETTY.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("cannot write JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Reads {@code bytes} as {@code type}.
   *
   * @throws JsonFormatException naming what was wrong when the text is not valid JSON of that type
   */
  public static <T> T read(byte[] bytes, Class<T> type) {
    try {
      T value = MAPPER.readValue(bytes, type);
      if (value == null) {
        throw new JsonFormatException("expected a JSON " + type.getSimpleName() + ", got null");
      }
      return value;
    } catch (JsonProcessingException e) {
      throw new JsonFormatException(describe(e), e);
    } catch (CharConversionException e) {
      // Jackson guessed UTF-16/32 from the first bytes and found no such text: JSON is UTF-8.
      throw new JsonFormatException("not UTF-8 JSON text (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static JsonNode tree(byte[] bytes) {
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new JsonFormatException("empty body, expected JSON");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new JsonFormatException(describe(e), e);
    } catch (CharConversionException e) {
      // Jackson guessed UTF-16/32 from the first bytes and found no such text: JSON is UTF-8.
      throw new JsonFormatException("not UTF-8 JSON text (" + e.getMessage() + ")", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static <T> T convert(JsonNode node, Class<T> type) {
    try {
      return MAPPER.treeToValue(node, type);
    } catch (JsonProcessingException e) {
      throw new JsonFormatException(describe(e), e);
    }
  }

  /**
   * The failure of a streaming read, worded as {@link #read} words its own: what was wrong and
   * where, for readers that walk a {@link com.fasterxml.jackson.core.JsonParser} themselves.
   */
  public static JsonFormatException malformed(IOException e) {
    if (e instanceof JsonProcessingException processing) {
      return new JsonFormatException(describe(processing), e);
    }
    if (e instanceof CharConversionException) {
      return new JsonFormatException("not UTF-8 JSON text (" + e.getMessage() + ")", e);
    }
    throw new UncheckedIOException(e);
  }

  private static String describe(JsonProcessingException e) {
    String where =
        e.getLocation() == null
            ? ""
            : " at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr();
    return "malformed JSON" + where + ": " + e.getOriginalMessage();
  }
}
