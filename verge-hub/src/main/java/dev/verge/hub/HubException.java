package dev.verge.hub;

/**
 * An operation the hub refused or could not do, named after the domain: each subclass is one
 * outcome, and {@code dev.verge.hub.http.HubFailures} alone knows which HTTP status it becomes.
 * {@link #code()} is a stable, machine-readable name for the outcome, sent beside the message.
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

  /** A value in the request is missing or invalid. */
  public static final class InvalidInput extends HubException {
    public InvalidInput(String message) {
      super(message, "BAD_REQUEST", null);
    }

    public InvalidInput(String message, Throwable cause) {
      super(message, "BAD_REQUEST", cause);
    }
  }

  /** No credential, or one the hub does not know, used or expired. */
  public static final class NotAuthenticated extends HubException {
    public NotAuthenticated(String message) {
      super(message, "UNAUTHORIZED", null);
    }
  }

  /** A known credential used where it has no right. */
  public static final class NotPermitted extends HubException {
    public NotPermitted(String message) {
      super(message, "FORBIDDEN", null);
    }
  }

  /** No model of that name is published. */
  public static final class NoSuchModel extends HubException {
    public NoSuchModel(String name) {
      super("no model named '" + name + "' is published", "NO_SUCH_MODEL", null);
    }
  }

  /** The model exists but not in that version. */
  public static final class NoSuchVersion extends HubException {
    public NoSuchVersion(String message) {
      super(message, "NO_SUCH_VERSION", null);
    }
  }

  /** No device has that id. */
  public static final class NoSuchDevice extends HubException {
    public NoSuchDevice(String id) {
      super("no device " + id, "NO_SUCH_DEVICE", null);
    }
  }

  /** No deployment has that id. */
  public static final class NoSuchDeployment extends HubException {
    public NoSuchDeployment(long id) {
      super("no deployment " + id, "NO_SUCH_DEPLOYMENT", null);
    }
  }

  /** A rollout action that does not apply in the rollout's phase (resume a running rollout). */
  public static final class RolloutConflict extends HubException {
    public RolloutConflict(String message) {
      super(message, "ROLLOUT_CONFLICT", null);
    }
  }

  /** A device asked for push access from a hub that pushes nothing (no push broker set). */
  public static final class NoPush extends HubException {
    public NoPush() {
      super(
          "this hub pushes no desired-state changes (no push-broker is set): poll instead",
          "NO_PUSH",
          null);
    }
  }

  /** No published bundle has that digest. */
  public static final class NoSuchBundle extends HubException {
    public NoSuchBundle(String digest) {
      super("no published bundle " + digest, "NO_SUCH_BUNDLE", null);
    }
  }

  /** This model name and version already hold a different bundle. */
  public static final class VersionConflict extends HubException {
    public VersionConflict(String message) {
      super(message, "CONFLICT", null);
    }
  }

  /** An upload over the hub's configured maximum. */
  public static final class UploadTooLarge extends HubException {
    public UploadTooLarge(String message) {
      super(message, "PAYLOAD_TOO_LARGE", null);
    }
  }

  /** The hub's disk has no room for what was sent; nothing was kept. */
  public static final class DiskFull extends HubException {
    public DiskFull(String message, Throwable cause) {
      super(message, "INSUFFICIENT_STORAGE", cause);
    }
  }

  /** A bundle that fails a check; the code is the {@code BundleProblem}'s name. */
  public static final class BundleRefused extends HubException {
    public BundleRefused(
        String message, dev.verge.core.bundle.BundleProblem problem, Throwable cause) {
      super(message, problem.name(), cause);
    }
  }

  /** A byte range that lies outside a bundle of {@link #size()} bytes. */
  public static final class RangeOutsideBundle extends HubException {
    private final long size;

    public RangeOutsideBundle(String message, long size) {
      super(message, "RANGE_NOT_SATISFIABLE", null);
      this.size = size;
    }

    public long size() {
      return size;
    }
  }

  /** The database stayed busy or the hub is shutting down; retrying later may work. */
  public static final class StoreBusy extends HubException {
    public StoreBusy(String message, Throwable cause) {
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
