package dev.verge.http;

import dev.verge.core.api.ApiError;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenAPI 3.1 document of a {@link RouteTable}, generated from the routes themselves so that it
 * cannot drift: paths and methods from the templates, security from the guards, bodies from the
 * records the handlers read and write (JSON Schema from their components), and every error as
 * {@link ApiError}.
 */
public final class OpenApi {
  private static final String ERROR = "ApiError";

  private final Map<String, Object> schemas = new TreeMap<>();

  private OpenApi() {}

  /** The document as a JSON-ready tree of maps and lists. */
  public static Map<String, Object> document(String title, String version, RouteTable routes) {
    return new OpenApi().build(title, version, routes);
  }

  private Map<String, Object> build(String title, String version, RouteTable routes) {
    schemas.put(ERROR, schemaOf(ApiError.class));
    Map<String, Map<String, Object>> paths = new TreeMap<>();
    for (Route route : routes.routes()) {
      paths
          .computeIfAbsent(route.template(), t -> new TreeMap<>())
          .put(route.method().toLowerCase(java.util.Locale.ROOT), operation(route));
    }
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", Map.of("title", title, "version", version));
    doc.put("paths", paths);
    doc.put(
        "components",
        Map.of(
            "schemas",
            schemas,
            "securitySchemes",
            Map.of("bearer", Map.of("type", "http", "scheme", "bearer"))));
    return doc;
  }

  private Map<String, Object> operation(Route route) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("summary", route.summary());
    op.put(
        "description",
        "Who may call: " + route.guard().description() + " (" + route.guard().name() + ").");
    op.put(
        "operationId",
        route.method().toLowerCase(java.util.Locale.ROOT)
            + route.template().replaceAll("[^A-Za-z0-9]+", "_"));
    if (route.guard().bearer()) {
      op.put("security", List.of(Map.of("bearer", List.of())));
    }
    List<Object> parameters = new ArrayList<>();
    for (String name : route.parameters()) {
      parameters.add(
          Map.of("name", name, "in", "path", "required", true, "schema", Map.of("type", "string")));
    }
    if (!parameters.isEmpty()) {
      op.put("parameters", parameters);
    }
    if (route.request() != null) {
      op.put("requestBody", Map.of("required", true, "content", content(route.request())));
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    Map<String, Object> ok = new LinkedHashMap<>();
    ok.put("description", route.response() == null ? "no body" : route.response().description());
    if (route.response() != null) {
      ok.put("content", content(route.response()));
    }
    responses.put(Integer.toString(route.status()), ok);
    responses.put(
        "default",
        Map.of(
            "description",
            "an error: the status says which kind, the body what was wrong",
            "content",
            Map.of(Body.JSON, Map.of("schema", ref(ApiError.class)))));
    op.put("responses", responses);
    return op;
  }

  private Map<String, Object> content(Body body) {
    Object schema =
        body.type() == null
            ? Map.of("type", "string", "contentMediaType", body.mediaType())
            : schemaFor(body.type());
    return Map.of(body.mediaType(), Map.of("schema", schema));
  }

  private Object schemaFor(Type type) {
    if (type instanceof Class<?> c) {
      if (c == String.class || c == Instant.class) {
        return c == Instant.class
            ? Map.of("type", "string", "format", "date-time")
            : Map.of("type", "string");
      }
      if (c.isEnum()) {
        List<String> names = new ArrayList<>();
        for (Object constant : c.getEnumConstants()) {
          names.add(((Enum<?>) constant).name());
        }
        return Map.of("type", "string", "enum", names);
      }
      if (c == boolean.class || c == Boolean.class) {
        return Map.of("type", "boolean");
      }
      if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
        return Map.of("type", "integer");
      }
      if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
        return Map.of("type", "number");
      }
      if (c.isArray()) {
        return Map.of("type", "array", "items", schemaFor(c.getComponentType()));
      }
      if (c.isRecord()) {
        return ref(c);
      }
      return Map.of();
    }
    if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
      if (List.class.isAssignableFrom(raw) || java.util.Set.class.isAssignableFrom(raw)) {
        return Map.of("type", "array", "items", schemaFor(p.getActualTypeArguments()[0]));
      }
      if (Map.class.isAssignableFrom(raw)) {
        return Map.of(
            "type", "object", "additionalProperties", schemaFor(p.getActualTypeArguments()[1]));
      }
    }
    return Map.of();
  }

  private Map<String, Object> ref(Class<?> record) {
    String name = record.getSimpleName();
    if (!schemas.containsKey(name)) {
      schemas.put(name, Map.of());
      schemas.put(name, schemaOf(record));
    }
    return Map.of("$ref", "#/components/schemas/" + name);
  }

  private Map<String, Object> schemaOf(Class<?> record) {
    Map<String, Object> properties = new LinkedHashMap<>();
    for (RecordComponent component : record.getRecordComponents()) {
      properties.put(component.getName(), schemaFor(component.getGenericType()));
    }
    return Map.of("type", "object", "properties", properties);
  }
}
