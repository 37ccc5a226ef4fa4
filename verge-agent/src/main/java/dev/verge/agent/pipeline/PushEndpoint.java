package dev.verge.agent.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.ApiError;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import dev.verge.http.Exchange;
import dev.verge.http.Route;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /verge/v1/pipelines/{name}/readings}: readings for a {@link Source.Push} pipeline, as
 * one JSON object, an array of objects, or JSON lines, each an object of field to number. All are
 * kept (synced to disk) or none: any bad one refuses the request with 400 naming it. A pipeline
 * with a token takes only pushes bearing it; one without takes them only while the agent's API is
 * bound to loopback. Answers 202 with how many were accepted and how many wait.
 */
final class PushEndpoint implements Route.Handler {
  /** A larger body is refused with 413 before it is read whole. */
  static final long MAX_BODY_BYTES = 4L * 1024 * 1024;

  /** Answered as the body of a 202. */
  record Accepted(int accepted, long waiting) {}

  private final Map<String, Pipeline> pipelines;
  private final Map<String, Source.Push> sources;
  private final PipelineStore store;
  private final boolean loopback;

  PushEndpoint(
      Map<String, Pipeline> pipelines,
      Map<String, Source.Push> sources,
      PipelineStore store,
      boolean loopback) {
    this.pipelines = pipelines;
    this.sources = sources;
    this.store = store;
    this.loopback = loopback;
  }

  @Override
  public void handle(Exchange x) throws IOException {
    String name = x.param("name");
    Source.Push source = sources.get(name);
    if (source == null) {
      x.json(
          404,
          new ApiError(
              "no pipeline '" + name + "' takes pushed readings (its source must be push)",
              "NO_SUCH_PIPELINE"));
      return;
    }
    if (source.token() == null && !loopback) {
      x.json(
          403,
          new ApiError(
              "pipeline '"
                  + name
                  + "' has no token-file, so it takes pushes only while the agent is bound to"
                  + " loopback",
              "PUSH_NEEDS_TOKEN"));
      return;
    }
    if (source.token() != null && !bearer(x.header("Authorization"), source.token())) {
      x.header("WWW-Authenticate", "Bearer");
      x.json(
          401,
          new ApiError(
              "pipeline '" + name + "' takes pushes with its token as 'Authorization: Bearer'",
              "UNAUTHORIZED"));
      return;
    }
    List<Map<String, Object>> readings;
    try {
      readings = parse(x.bytes(MAX_BODY_BYTES, "pushed readings"));
    } catch (IllegalArgumentException e) {
      x.json(400, new ApiError(e.getMessage(), "BAD_REQUEST"));
      return;
    }
    if (!store.addReadings(name, readings)) {
      x.json(
          507,
          new ApiError(
              "pipeline '"
                  + name
                  + "' already has "
                  + store.pendingReadings(name)
                  + " readings waiting (at most "
                  + PipelineStore.MAX_PENDING_READINGS
                  + "); try again once it has read them",
              "PIPELINE_FULL"));
      return;
    }
    pipelines.get(name).wake();
    x.json(202, new Accepted(readings.size(), store.pendingReadings(name)));
  }

  /** The body's readings; throws naming the first that is not an object of plain values. */
  static List<Map<String, Object>> parse(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).strip();
    if (text.isEmpty()) {
      throw new IllegalArgumentException(
          "the body is empty; expected a JSON object, an array of them, or JSON lines");
    }
    List<Map<String, Object>> readings = new ArrayList<>();
    if (text.startsWith("[")) {
      JsonNode array;
      try {
        array = Json.tree(body);
      } catch (JsonFormatException e) {
        throw new IllegalArgumentException("the body is not valid JSON: " + e.getMessage());
      }
      for (int i = 0; i < array.size(); i++) {
        readings.add(fields(array.get(i), "reading [" + i + "]"));
      }
    } else {
      Lines.Parsed parsed;
      try {
        parsed =
            Lines.read(
                new ByteArrayInputStream(body),
                "body",
                Source.Format.JSONL,
                null,
                0,
                PipelineSpec.MAX_READINGS_PER_CYCLE + 1,
                true);
      } catch (IOException e) {
        throw new IllegalArgumentException("the body cannot be read: " + e.getMessage());
      }
      if (!parsed.rejected().isEmpty()) {
        throw new IllegalArgumentException(parsed.rejected().getFirst() + "; nothing was kept");
      }
      parsed.readings().forEach(r -> readings.add(new LinkedHashMap<>(r.fields())));
    }
    if (readings.size() > PipelineSpec.MAX_READINGS_PER_CYCLE) {
      throw new IllegalArgumentException(
          "a push may hold at most " + PipelineSpec.MAX_READINGS_PER_CYCLE + " readings");
    }
    if (readings.isEmpty()) {
      throw new IllegalArgumentException("the body holds no reading");
    }
    return readings;
  }

  private static Map<String, Object> fields(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " is not a JSON object; nothing was kept");
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      JsonNode v = field.getValue();
      if (v.isContainerNode()) {
        throw new IllegalArgumentException(
            where + " field '" + field.getKey() + "' is not a plain value; nothing was kept");
      }
      fields.put(
          field.getKey(),
          v.isNumber() ? (Object) v.asDouble() : v.isBoolean() ? v.asBoolean() : v.asText());
    }
    return fields;
  }

  /** Compares in constant time, so that the answer's timing does not tell the token. */
  private static boolean bearer(String header, String token) {
    if (header == null || !header.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(
        header.substring("Bearer ".length()).strip().getBytes(StandardCharsets.UTF_8),
        token.getBytes(StandardCharsets.UTF_8));
  }
}
