package dev.verge.hub;

import java.util.Set;

/**
 * An operation the hub refused or could not do. Each subclass is one outcome; {@code
 * dev.verge.hub.http} maps them to HTTP statuses in one place. {@link #code()} is a stable,
 * machine-readable name for the outcome, sent beside the message.
 */
public abstract sealed class HubException extends RuntimeException {
  private final String code;

  private HubException(String message, String code, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }

  /** The request is malformed or names an invalid value. */
  public static final class BadRequest extends HubException {
    public BadRequest(String message) {
      super(message, "BAD_REQUEST", null);
    }

    public BadRequest(String message, Throwable cause) {
      super(message, "BAD_REQUEST", cause);
    }
  }

  /** No credential, or one the hub does not know. */
  public static final class Unauthorized extends HubException {
    public Unauthorized(String message) {
      super(message, "UNAUTHORIZED", null);
    }
  }

  /** A known credential used where it has no right. */
  public static final class Forbidden extends HubException {
    public Forbidden(String message) {
      super(message, "FORBIDDEN", null);
    }
  }

  /** The named thing does not exist. */
  public static final class NotFound extends HubException {
    public NotFound(String message) {
      super(message, "NOT_FOUND", null);
    }
  }

  /** The path exists but not for this method. */
  public static final class MethodNotAllowed extends HubException {
    private final Set<String> allowed;

    public MethodNotAllowed(String message, Set<String> allowed) {
      super(message, "METHOD_NOT_ALLOWED", null);
      this.allowed = Set.copyOf(allowed);
    }

    public Set<String> allowed() {
      return allowed;
    }
  }

  /** The request contradicts what the hub already holds. */
  public static final class Conflict extends HubException {
    public Conflict(String message) {
      super(message, "CONFLICT", null);
    }
  }

  /** A body over the hub's limit. */
  public static final class PayloadTooLarge extends HubException {
    public PayloadTooLarge(String message) {
      super(message, "PAYLOAD_TOO_LARGE", null);
    }
  }

  /** The hub's disk has no room for what was sent; nothing was kept. */
  public static final class InsufficientStorage extends HubException {
    public InsufficientStorage(String message, Throwable cause) {
      super(message, "INSUFFICIENT_STORAGE", cause);
    }
  }

  /** Well-formed but refused content, such as a bundle that fails a check. */
  public static final class Unprocessable extends HubException {
    public Unprocessable(String message, String code, Throwable cause) {
      super(message, code, cause);
    }
  }

  /** A byte range that lies outside a resource of {@link #size()} bytes. */
  public static final class RangeNotSatisfiable extends HubException {
    private final long size;

    public RangeNotSatisfiable(String message, long size) {
      super(message, "RANGE_NOT_SATISFIABLE", null);
      this.size = size;
    }

    public long size() {
      return size;
    }
  }

  /** The database stayed busy or the hub is shutting down; retrying later may work. */
  public static final class Unavailable extends HubException {
    public Unavailable(String message, Throwable cause) {
      super(message, "UNAVAILABLE", cause);
    }
  }

  /** The storage failed; the hub's log has the details. */
  public static final class StoreFailure extends HubException {
    public StoreFailure(String message, Throwable cause) {
      super(message, "STORE_FAILURE", cause);
    }
  }
}
