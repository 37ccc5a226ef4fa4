package dev.verge.cli.client;

/** The hub answered with an error, or could not be reached; the message says which and why. */
public final class HubClientException extends RuntimeException {
  private final int status;
  private final String code;

  public HubClientException(int status, String code, String message) {
    super(message);
    this.status = status;
    this.code = code == null ? "" : code;
  }

  public HubClientException(int status, String message) {
    this(status, "", message);
  }

  public HubClientException(String message, Throwable cause) {
    super(message, cause);
    this.status = 0;
    this.code = "";
  }

  /** The HTTP status, or 0 when no answer came. */
  public int status() {
    return status;
  }

  /**
   * The hub's machine-readable name for the outcome (the {@code code} of its error body, e.g. a
   * {@code BundleProblem} name), or "" when it sent none or no answer came.
   */
  public String code() {
    return code;
  }
}
