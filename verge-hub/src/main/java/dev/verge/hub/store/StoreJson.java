package dev.verge.hub.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import dev.verge.core.json.Json;
import dev.verge.hub.HubException;
import java.util.Map;
import java.util.TreeMap;

/** The JSON held in text columns, read back with errors that name the column. */
public final class StoreJson {
  public static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};

  private StoreJson() {}

  public static String write(Object value) {
    return Json.writeString(value);
  }

  /** A label map as JSON with its keys sorted, so equal maps are equal text. */
  public static String writeSorted(Map<String, String> map) {
    return Json.writeString(map == null ? Map.of() : new TreeMap<>(map));
  }

  public static <T> T read(String text, TypeReference<T> type, String column) {
    return read(text, Json.mapper().getTypeFactory().constructType(type), column);
  }

  public static <T> T read(String text, Class<T> type, String column) {
    return read(text, Json.mapper().getTypeFactory().constructType(type), column);
  }

  private static <T> T read(String text, JavaType type, String column) {
    if (text == null) {
      return null;
    }
    try {
      return Json.mapper().readValue(text, type);
    } catch (JsonProcessingException e) {
      throw new HubException.StoreFailure(
          column + " holds unreadable JSON: " + e.getOriginalMessage(), e);
    }
  }
}
