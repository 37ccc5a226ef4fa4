package dev.verge.core.oip;

/** A request that breaks the inference protocol; servers answer it with 400 and this message. */
public final class ProtocolException extends RuntimeException {
  public ProtocolException(String message) {
    super(message);
  }
}
