package dev.verge.core.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Canonical JSON bytes for signing: object keys sorted by code point, no insignificant white space,
 * UTF-8. Two manifests that mean the same sign the same, however they were pretty-printed.
 *
 * <p>Floating-point numbers are written as Jackson writes doubles; manifests keep measurements as
 * strings or integers so that no two writers disagree on a float's spelling.
 */
public final class CanonicalJson {
  private CanonicalJson() {}

  public static byte[] bytes(Object value) {
    return bytes(Json.mapper().valueToTree(value));
  }

  public static byte[] bytes(JsonNode node) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator gen = Json.mapper().getFactory().createGenerator(out)) {
      write(node, gen);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static void write(JsonNode node, JsonGenerator gen) throws IOException {
    if (node.isObject()) {
      List<String> names = new ArrayList<>();
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        names.add(field.getKey());
      }
      Collections.sort(names);
      gen.writeStartObject();
      for (String name : names) {
        gen.writeFieldName(name);
        write(node.get(name), gen);
      }
      gen.writeEndObject();
    } else if (node.isArray()) {
      gen.writeStartArray();
      for (JsonNode element : node) {
        write(element, gen);
      }
      gen.writeEndArray();
    } else {
      gen.writeTree(node);
    }
  }
}
