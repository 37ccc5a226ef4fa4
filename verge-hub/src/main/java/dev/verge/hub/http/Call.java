package dev.verge.hub.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import dev.verge.hub.HubException;
import dev.verge.hub.auth.Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/** One request and its response, with the helpers handlers need. */
final class Call {
  static final int MAX_JSON_BYTES = 16 * 1024 * 1024;
  private static final String JSON = "application/json";

  private final HttpExchange exchange;
  private Map<String, String> params = Map.of();
  private Principal principal;
  private int status;

  Call(HttpExchange exchange) {
    this.exchange = exchange;
  }

  // Request.

  String method() {
    return exchange.getRequestMethod();
  }

  String rawPath() {
    return exchange.getRequestURI().getRawPath();
  }

  void params(Map<String, String> params) {
    this.params = Map.copyOf(params);
  }

  String param(String name) {
    return params.get(name);
  }

  long longParam(String name) {
    String value = params.get(name);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new HubException.BadRequest(name + " must be a whole number, got '" + value + "'");
    }
  }

  void principal(Principal principal) {
    this.principal = principal;
  }

  Principal principal() {
    return principal;
  }

  String header(String name) {
    return exchange.getRequestHeaders().getFirst(name);
  }

  Optional<String> query(String name) {
    String raw = exchange.getRequestURI().getRawQuery();
    if (raw == null) {
      return Optional.empty();
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (decode(key).equals(name)) {
        return Optional.of(eq < 0 ? "" : decode(pair.substring(eq + 1)));
      }
    }
    return Optional.empty();
  }

  private static String decode(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new HubException.BadRequest("the query has a malformed %-escape: " + text);
    }
  }

  /** The declared body length, or -1 when the client did not declare one. */
  long contentLength() {
    String value = header("Content-Length");
    if (value == null) {
      return -1;
    }
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new HubException.BadRequest("Content-Length '" + value + "' is not a number");
    }
  }

  InputStream body() {
    return exchange.getRequestBody();
  }

  /** The body read as {@code type}; an empty body is refused. */
  <T> T json(Class<T> type) {
    T value = jsonOrNull(type);
    if (value == null) {
      throw new HubException.BadRequest(
          "the request body is empty; expected a JSON " + type.getSimpleName());
    }
    return value;
  }

  /** The body read as {@code type}, or null when the body is empty. */
  <T> T jsonOrNull(Class<T> type) {
    byte[] bytes = readBody();
    if (isBlank(bytes)) {
      return null;
    }
    try {
      return Json.read(bytes, type);
    } catch (JsonFormatException e) {
      throw new HubException.BadRequest(
          e.getMessage() + " (expected a JSON " + type.getSimpleName() + ")", e);
    }
  }

  private static boolean isBlank(byte[] bytes) {
    for (byte b : bytes) {
      if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
        return false;
      }
    }
    return true;
  }

  private byte[] readBody() {
    if (contentLength() > MAX_JSON_BYTES) {
      throw tooLarge();
    }
    try (InputStream in = body()) {
      byte[] bytes = in.readNBytes(MAX_JSON_BYTES + 1);
      if (bytes.length > MAX_JSON_BYTES) {
        throw tooLarge();
      }
      return bytes;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the request body: " + e.getMessage(), e);
    }
  }

  private static HubException tooLarge() {
    return new HubException.PayloadTooLarge(
        "a JSON request body may be at most " + MAX_JSON_BYTES + " bytes");
  }

  // Response.

  Headers responseHeaders() {
    return exchange.getResponseHeaders();
  }

  /** Whether the status line went out, after which the status can no longer change. */
  boolean responded() {
    return status != 0;
  }

  int status() {
    return status;
  }

  void respondJson(int code, Object body) throws IOException {
    byte[] bytes = Json.write(body);
    responseHeaders().set("Content-Type", JSON);
    sendHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  /** A response without a body, such as 204 or 304. */
  void respondEmpty(int code) throws IOException {
    sendHeaders(code, -1);
  }

  /**
   * Sends the status line and headers.
   *
   * @param length the body's length, 0 for a body of unknown length, -1 for none
   */
  void sendHeaders(int code, long length) throws IOException {
    status = code;
    exchange.sendResponseHeaders(code, length == 0 ? -1 : length);
  }

  OutputStream responseBody() {
    return exchange.getResponseBody();
  }
}
