package dev.verge.agent.serving;

import dev.verge.agent.AgentException;

/**
 * A request the HTTP layer refuses before any model sees it: no such endpoint, wrong method, body
 * too large, an encoding it cannot read.
 */
final class RequestException extends AgentException {
  enum Kind {
    NO_SUCH_ENDPOINT,
    METHOD_NOT_ALLOWED,
    BODY_TOO_LARGE,
    UNSUPPORTED_ENCODING
  }

  private final Kind kind;
  private final String allow;

  private RequestException(Kind kind, String message, String allow) {
    super(message);
    this.kind = kind;
    this.allow = allow;
  }

  static RequestException noSuchEndpoint(String method, String path) {
    return new RequestException(Kind.NO_SUCH_ENDPOINT, "no endpoint " + method + " " + path, null);
  }

  static RequestException methodNotAllowed(String method, String path, String allow) {
    return new RequestException(
        Kind.METHOD_NOT_ALLOWED, path + " answers " + allow + ", not " + method, allow);
  }

  static RequestException bodyTooLarge(long limit) {
    return new RequestException(
        Kind.BODY_TOO_LARGE,
        "request body is larger than " + limit + " bytes; send large tensors in several requests",
        null);
  }

  static RequestException unsupportedEncoding(String encoding) {
    return new RequestException(
        Kind.UNSUPPORTED_ENCODING,
        "Content-Encoding '" + encoding + "' is not supported (use gzip, deflate or none)",
        null);
  }

  Kind kind() {
    return kind;
  }

  /** The methods the path answers, for a {@code 405}'s {@code Allow} header. */
  String allow() {
    return allow;
  }
}
