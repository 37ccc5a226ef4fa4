package dev.verge.core.signing;

/** A key file that cannot be read as the key it claims to be. */
public final class KeyFormatException extends RuntimeException {
  public KeyFormatException(String message) {
    super(message);
  }

  public KeyFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
