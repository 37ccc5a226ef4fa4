package dev.verge.cli.client;

/** The hub answered with an error, or could not be reached; the message says which and why. */
public final class HubClientException extends RuntimeException {
  private final int status;

  public HubClientException(int status, String message) {
    super(message);
    this.status = status;
  }

  public HubClientException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
  }

  /** The HTTP status, or 0 when no answer came. */
  public int status() {
    return status;
  }
}
