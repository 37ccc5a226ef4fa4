package dev.verge.http;

/**
 * A request or response body as the OpenAPI document describes it: a media type and, for JSON, the
 * Java type it is read into or written from (a record, an array of records, a {@code Map}).
 */
public record Body(String mediaType, Class<?> type, String description) {
  public static final String JSON = "application/json";
  public static final String BYTES = "application/octet-stream";

  public static Body json(Class<?> type) {
    return new Body(
        JSON,
        type,
        type.isArray() ? type.getComponentType().getSimpleName() + " list" : type.getSimpleName());
  }

  public static Body bytes(String description) {
    return new Body(BYTES, null, description);
  }

  /** Any JSON document (the agent's operator status). */
  public static Body anyJson(String description) {
    return new Body(JSON, Object.class, description);
  }
}
