package dev.verge.core.json;

/** Text that is not the JSON we expected; the message says what and where. */
public final class JsonFormatException extends RuntimeException {
  public JsonFormatException(String message) {
    super(message);
  }

  public JsonFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
