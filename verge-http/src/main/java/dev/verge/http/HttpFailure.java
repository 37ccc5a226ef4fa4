package dev.verge.http;

import java.util.Set;
import java.util.TreeSet;

/**
 * A request the HTTP layer itself refuses before or while a handler reads it: the protocol's own
 * outcomes, so they are named after HTTP. Features throw their own, domain-named failures, which
 * each server maps to statuses in its {@link FailureMapping}.
 */
public abstract sealed class HttpFailure extends RuntimeException {
  private final int status;
  private final String code;

  private HttpFailure(int status, String code, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  /** Malformed input: an unreadable body, bad JSON, a path parameter of the wrong form. */
  public static final class BadRequest extends HttpFailure {
    public BadRequest(String message) {
      this(message, null);
    }

    public BadRequest(String message, Throwable cause) {
      super(400, "BAD_REQUEST", message, cause);
    }
  }

  /** No route has this path. */
  public static final class NoRoute extends HttpFailure {
    NoRoute(String method, String path) {
      super(404, "NO_ROUTE", "no endpoint " + method + " " + path, null);
    }
  }

  /** Routes have this path, but not for this method. */
  public static final class WrongMethod extends HttpFailure {
    private final Set<String> allowed;

    WrongMethod(String method, String path, Set<String> allowed) {
      super(
          405,
          "METHOD_NOT_ALLOWED",
          path + " answers " + String.join(", ", new TreeSet<>(allowed)) + ", not " + method,
          null);
      this.allowed = Set.copyOf(allowed);
    }

    public Set<String> allowed() {
      return allowed;
    }
  }

  /** A body over the limit, declared or as it arrives (after decoding). */
  public static final class BodyTooLarge extends HttpFailure {
    public BodyTooLarge(String what, long limit) {
      super(413, "BODY_TOO_LARGE", what + " may be at most " + limit + " bytes", null);
    }
  }

  /**
   * The server is at its limit of requests at once: the client may retry after {@link
   * #retryAfterSeconds()}, which the answer's {@code Retry-After} header says.
   */
  public static final class Overloaded extends HttpFailure {
    private final long retryAfterSeconds;

    public Overloaded(String message, long retryAfterSeconds) {
      super(503, "OVERLOADED", message, null);
      this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
      return retryAfterSeconds;
    }
  }

  /** A {@code Content-Encoding} the layer cannot decode. */
  public static final class UnsupportedEncoding extends HttpFailure {
    UnsupportedEncoding(String encoding) {
      super(
          415,
          "UNSUPPORTED_ENCODING",
          "Content-Encoding '" + encoding + "' is not supported (use gzip, deflate or none)",
          null);
    }
  }
}
