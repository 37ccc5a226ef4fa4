package dev.verge.agent.serving;

import dev.verge.runtime.LoadedModel;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model versions this agent serves, one active version per model name.
 *
 * <p>A request {@link #acquire acquires} a lease on the active version and runs on it to the end,
 * even when a new version is {@link #activate activated} meanwhile: the swap is one map update, and
 * the old version's native session is closed only when its last lease is released. So no request
 * fails because of a swap, and none runs on a closed session.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());

  private final ConcurrentHashMap<String, Handle> active = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Leases the active version of {@code name}; the caller must close the lease.
   *
   * @param version the version the request asks for, null for whichever is active
   * @throws ModelNotFoundException when the model, or that version of it, is not active
   */
  public Lease acquire(String name, Long version) {
    while (true) {
      Handle handle = active.get(name);
      if (handle == null || (version != null && handle.model.version() != version)) {
        throw new ModelNotFoundException(name, version);
      }
      if (handle.retain()) {
        return new Lease(handle);
      }
      // Retired between the read and the retain: the map already holds its successor, if any.
    }
  }

  /**
   * Makes {@code model} the active version of its name. The version it replaces keeps serving the
   * requests that hold it and is closed when the last of them ends.
   *
   * @return the version replaced, if any
   */
  public Optional<Long> activate(LoadedModel model) {
    if (closed) {
      model.close();
      throw new IllegalStateException("the model registry is closed");
    }
    Handle previous = active.put(model.name(), new Handle(model));
    if (previous == null) {
      return Optional.empty();
    }
    previous.release();
    return Optional.of(previous.model.version());
  }

  /**
   * Stops serving {@code name}; requests holding it finish first.
   *
   * @return whether it was active
   */
  public boolean remove(String name) {
    Handle previous = active.remove(name);
    if (previous == null) {
      return false;
    }
    previous.release();
    return true;
  }

  public Optional<Long> activeVersion(String name) {
    Handle handle = active.get(name);
    return handle == null ? Optional.empty() : Optional.of(handle.model.version());
  }

  /** Every active model and its version, by name. */
  public Map<String, Long> activeVersions() {
    Map<String, Long> versions = new TreeMap<>();
    active.forEach((name, handle) -> versions.put(name, handle.model.version()));
    return versions;
  }

  /** Stops serving every model; each is closed once the requests holding it end. */
  @Override
  public void close() {
    closed = true;
    for (String name : active.keySet()) {
      remove(name);
    }
  }

  /** A request's hold on one model version. */
  public static final class Lease implements AutoCloseable {
    private final Handle handle;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(Handle handle) {
      this.handle = handle;
    }

    public LoadedModel model() {
      if (released.get()) {
        throw new IllegalStateException("lease on " + handle + " is released");
      }
      return handle.model;
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        handle.release();
      }
    }
  }

  /** A loaded version and its reference count: one for the registry, one per lease. */
  private static final class Handle {
    private final LoadedModel model;
    private final AtomicInteger references = new AtomicInteger(1);

    Handle(LoadedModel model) {
      this.model = model;
    }

    boolean retain() {
      while (true) {
        int count = references.get();
        if (count == 0) {
          return false;
        }
        if (references.compareAndSet(count, count + 1)) {
          return true;
        }
      }
    }

    void release() {
      if (references.decrementAndGet() == 0) {
        try {
          model.close();
          LOG.log(System.Logger.Level.DEBUG, "closed {0}", this);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.WARNING, "cannot close " + this + ": " + e.getMessage(), e);
        }
      }
    }

    @Override
    public String toString() {
      return model.name() + " v" + model.version();
    }
  }
}
