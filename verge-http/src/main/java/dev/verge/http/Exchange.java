package dev.verge.http;

import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;

/**
 * One request and its answer, with the helpers handlers need: path parameters, headers, the query,
 * the body decoded ({@code Content-Encoding}) and bounded ({@link Limits}), JSON in and out.
 */
public final class Exchange {
  private final Request request;
  private final Response response;
  private final Limits limits;
  private final Map<String, String> params;
  private final Route route;
  private OutputStream out;
  private int status;
  private Object principal;
  private Runnable completing = () -> {};

  Exchange(
      Request request, Response response, Limits limits, Route route, Map<String, String> params) {
    this.request = request;
    this.response = response;
    this.limits = limits;
    this.route = route;
    this.params = Map.copyOf(params);
  }

  // Request.

  public String method() {
    return request.getMethod();
  }

  public String rawPath() {
    return request.getHttpURI().getPath();
  }

  public Route route() {
    return route;
  }

  /** A path parameter the route's template names. */
  public String param(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalArgumentException(route.template() + " has no parameter " + name);
    }
    return value;
  }

  public long longParam(String name) {
    String value = param(name);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new HttpFailure.BadRequest(name + " must be a whole number, got '" + value + "'");
    }
  }

  public String header(String name) {
    return request.getHeaders().get(name);
  }

  /** What a {@link Guard} found out about the caller, for the handler to use. */
  public void principal(Object principal) {
    this.principal = principal;
  }

  @SuppressWarnings("unchecked")
  public <T> T principal(Class<T> type) {
    return type.isInstance(principal) ? (T) principal : null;
  }

  /** The query as sent, null when there is none. */
  public String rawQuery() {
    return request.getHttpURI().getQuery();
  }

  public Optional<String> query(String name) {
    String raw = request.getHttpURI().getQuery();
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
      throw new HttpFailure.BadRequest("the query has a malformed %-escape: " + text);
    }
  }

  /** The declared body length, or -1 when the client did not declare one. */
  public long contentLength() {
    return request.getLength();
  }

  /**
   * The body as sent on the wire (no decoding, no limit): for handlers that stream a large upload
   * and bound it themselves. Reading it may throw {@link java.io.IOException} when the client goes.
   */
  public InputStream rawBody() {
    return Content.Source.asInputStream(request);
  }

  /**
   * The body decoded as its {@code Content-Encoding} says, refused with 413 once it passes {@code
   * limit} bytes: the declared length is checked before reading, the decoded bytes as they come.
   */
  public InputStream body(long limit, String what) {
    long declared = contentLength();
    if (declared > limit && encoding().isEmpty()) {
      throw new HttpFailure.BodyTooLarge(what, limit);
    }
    InputStream in = rawBody();
    try {
      in =
          switch (encoding()) {
            case "gzip", "x-gzip" -> new GZIPInputStream(in);
            case "deflate" -> new InflaterInputStream(in);
            case "" -> in;
            default -> throw new HttpFailure.UnsupportedEncoding(header("Content-Encoding"));
          };
    } catch (ZipException e) {
      throw new HttpFailure.BadRequest(
          "the body is not gzip data though Content-Encoding says so: " + e.getMessage(), e);
    } catch (IOException e) {
      throw Bodies.broken(e);
    }
    return new Bodies.Bounded(in, limit, what);
  }

  private String encoding() {
    String value = header("Content-Encoding");
    if (value == null) {
      return "";
    }
    String encoding = value.strip().toLowerCase(Locale.ROOT);
    return encoding.equals("identity") ? "" : encoding;
  }

  /** The whole body, decoded, at most {@link Limits#bodyBytes()}. */
  public byte[] bytes() {
    return bytes(limits.bodyBytes(), "a request body");
  }

  /**
   * The whole body, decoded, refused with 413 past {@code limit} bytes. A declared length (within
   * the limit) sizes the buffer, so the bytes are read in place rather than copied as it grows.
   */
  public byte[] bytes(long limit, String what) {
    long declared = encoding().isEmpty() ? contentLength() : -1;
    try (InputStream in = body(limit, what)) {
      return declared < 0 || declared > Integer.MAX_VALUE - 8
          ? in.readAllBytes()
          : Bodies.declared(in, declared, what);
    } catch (IOException e) {
      throw Bodies.broken(e);
    }
  }

  public Limits limits() {
    return limits;
  }

  /** The body read as {@code type}; an empty body is refused. */
  public <T> T json(Class<T> type) {
    T value = jsonOrNull(type);
    if (value == null) {
      throw new HttpFailure.BadRequest(
          "the request body is empty; expected a JSON " + type.getSimpleName());
    }
    return value;
  }

  /** The body read as {@code type}, or null when the body is empty or blank. */
  public <T> T jsonOrNull(Class<T> type) {
    byte[] bytes = bytes(limits.jsonBytes(), "a JSON request body");
    if (isBlank(bytes)) {
      return null;
    }
    try {
      return Json.read(bytes, type);
    } catch (JsonFormatException e) {
      throw new HttpFailure.BadRequest(
          "the request body is "
              + e.getMessage()
              + " (expected a JSON "
              + type.getSimpleName()
              + ")",
          e);
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

  // Response.

  public Exchange header(String name, String value) {
    response.getHeaders().put(name, value);
    return this;
  }

  /** Whether the status line is decided, after which the status can no longer change. */
  public boolean responded() {
    return status != 0;
  }

  public int status() {
    return status;
  }

  public void json(int code, Object body) throws IOException {
    bytes(code, Body.JSON, Json.write(body));
  }

  /**
   * Answers {@code body}, compressed when the client's {@code Accept-Encoding} allows it and the
   * body is large enough to gain ({@link ResponseCoding}).
   */
  public void bytes(int code, String contentType, byte[] body) throws IOException {
    header("Content-Type", contentType);
    byte[] answer = body;
    if (body.length >= ResponseCoding.MIN_BYTES) {
      header("Vary", "Accept-Encoding");
      Optional<String> coding = ResponseCoding.choose(header("Accept-Encoding"), body.length);
      if (coding.isPresent()) {
        answer = ResponseCoding.encode(coding.get(), body);
        header("Content-Encoding", coding.get());
      }
    }
    if (method().equals("HEAD")) {
      stream(code, answer.length).close();
      return;
    }
    // One write with the last flag: headers and body leave in one go, with no stream to flush and
    // close after (two more writes through Jetty for every small answer).
    begin(code, answer.length);
    completing.run();
    Content.Sink.write(response, true, ByteBuffer.wrap(answer));
  }

  /** An answer without a body: 204 and 304 have none, any other status says its length is 0. */
  public void empty(int code) throws IOException {
    // Without a length Jetty would answer a 200 chunked, ending it with a chunk of its own.
    stream(code, code == 204 || code == 304 ? -1 : 0).close();
  }

  /**
   * Sends the status and headers and returns the stream for the body, which the caller closes.
   *
   * @param length the body's length, -1 for none or unknown
   */
  public OutputStream stream(int code, long length) {
    begin(code, length);
    OutputStream sink =
        method().equals("HEAD")
            ? OutputStream.nullOutputStream()
            : Content.Sink.asOutputStream(response);
    out =
        new FilterOutputStream(sink) {
          private boolean closed;

          @Override
          public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
          }

          @Override
          public void close() throws IOException {
            if (!closed) {
              closed = true;
              completing.run();
            }
            super.close();
          }
        };
    return out;
  }

  private void begin(int code, long length) {
    status = code;
    response.setStatus(code);
    closeIfUnread(request, response);
    if (length >= 0) {
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
    }
  }

  /**
   * Says {@code Connection: close} when the client sent body bytes that nobody read (a refusal
   * before reading, a route that takes no body) and more may still come: the connection cannot
   * carry the next request then, and Jetty closes it after the answer. Clients reuse it otherwise.
   */
  static void closeIfUnread(Request request, Response response) {
    if (!request.consumeAvailable()) {
      response.getHeaders().put(HttpHeader.CONNECTION, "close");
    }
  }

  /** Runs once, just before the answer's last byte goes (the layer observes the request here). */
  void onCompleting(Runnable completing) {
    this.completing = completing;
  }

  /** Runs {@code action} once, just before the answer's last byte goes, after what runs there. */
  public void beforeLastByte(Runnable action) {
    Runnable before = completing;
    completing =
        () -> {
          try {
            before.run();
          } finally {
            action.run();
          }
        };
  }

  /** Completes the answer if the handler left its stream open. */
  void finish() throws IOException {
    if (out != null) {
      out.close();
    }
  }

  boolean committed() {
    return response.isCommitted();
  }
}
