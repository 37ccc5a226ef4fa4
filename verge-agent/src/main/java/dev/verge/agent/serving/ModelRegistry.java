package dev.verge.agent.serving;

import dev.verge.runtime.LoadedModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The model versions this agent serves: per model name its default version (the one the unversioned
 * paths serve, {@link #activate}) and any versions served beside it on their versioned paths only
 * ({@link #activateBeside}).
 *
 * <p>A request {@link #acquire acquires} a lease on one version and runs on it to the end, even
 * when another version is activated or the version is removed meanwhile: a change is one map
 * update, and a version's native session is closed only when its last lease is released. So no
 * request fails because of a swap, and none runs on a closed session; this holds for the default
 * version and for the versions beside it alike.
 */
public final class ModelRegistry implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(ModelRegistry.class.getName());

  private final ConcurrentHashMap<String, Served> models = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Leases a version of {@code name}; the caller must close the lease.
   *
   * @param version the version the request asks for, null for the default one
   * @throws ModelNotFoundException when the model, or that version of it, is not served
   */
  public Lease acquire(String name, Long version) {
    while (true) {
      Served served = models.get(name);
      Handle handle = served == null ? null : served.pick(version);
      if (handle == null) {
        throw notServed(name, version, served);
      }
      if (handle.retain()) {
        return new Lease(handle);
      }
      // Retired between the read and the retain: the map already holds its successor, if any.
    }
  }

  private static ModelNotFoundException notServed(String name, Long version, Served served) {
    if (served == null) {
      return new ModelNotFoundException(name, version);
    }
    return ModelNotFoundException.notAmong(name, version, served.versions());
  }

  /**
   * Makes {@code model} the default version of its name. The version it replaces keeps serving the
   * requests that hold it and is closed when the last of them ends; versions beside it stay.
   *
   * @return the version replaced, if any
   */
  public Optional<Long> activate(LoadedModel model) {
    requireOpen(model);
    Handle handle = new Handle(model);
    Handle[] previous = new Handle[1];
    models.compute(
        model.name(),
        (name, served) -> {
          previous[0] = served == null ? null : served.main();
          return new Served(handle, served == null ? Map.of() : served.beside());
        });
    if (previous[0] == null) {
      return Optional.empty();
    }
    previous[0].release();
    return Optional.of(previous[0].model.version());
  }

  /**
   * Serves {@code model} beside its name's default version, on its versioned paths only. A handle
   * of the same version served beside before is replaced (and closed once its requests end).
   *
   * @return whether it replaced one
   */
  public boolean activateBeside(LoadedModel model) {
    requireOpen(model);
    Handle handle = new Handle(model);
    Handle[] previous = new Handle[1];
    models.compute(
        model.name(),
        (name, served) -> {
          Map<Long, Handle> beside = new HashMap<>(served == null ? Map.of() : served.beside());
          previous[0] = beside.put(model.version(), handle);
          return new Served(served == null ? null : served.main(), beside);
        });
    if (previous[0] != null) {
      previous[0].release();
    }
    return previous[0] != null;
  }

  /**
   * Stops serving {@code version} of {@code name} beside the default; its requests finish first.
   *
   * @return whether it was served beside
   */
  public boolean removeBeside(String name, long version) {
    Handle[] previous = new Handle[1];
    models.computeIfPresent(
        name,
        (n, served) -> {
          Map<Long, Handle> beside = new HashMap<>(served.beside());
          previous[0] = beside.remove(version);
          return Served.orNull(served.main(), beside);
        });
    if (previous[0] == null) {
      return false;
    }
    previous[0].release();
    return true;
  }

  /**
   * Stops serving the default version of {@code name}; requests holding it finish first. Versions
   * served beside it stay.
   *
   * @return whether it had one
   */
  public boolean remove(String name) {
    Handle[] previous = new Handle[1];
    models.computeIfPresent(
        name,
        (n, served) -> {
          previous[0] = served.main();
          return Served.orNull(null, served.beside());
        });
    if (previous[0] == null) {
      return false;
    }
    previous[0].release();
    return true;
  }

  /**
   * Stops serving every version of {@code name}; requests holding one finish first.
   *
   * @return the versions it served
   */
  public SortedSet<Long> removeAll(String name) {
    Served served = models.remove(name);
    if (served == null) {
      return new TreeSet<>();
    }
    SortedSet<Long> versions = served.versions();
    served.handles().forEach(Handle::release);
    return versions;
  }

  /** The default version of {@code name}, if it has one. */
  public Optional<Long> activeVersion(String name) {
    Served served = models.get(name);
    return served == null || served.main() == null
        ? Optional.empty()
        : Optional.of(served.main().model.version());
  }

  /** Every model's default version, by name; models served only beside a default are absent. */
  public Map<String, Long> activeVersions() {
    Map<String, Long> versions = new TreeMap<>();
    models.forEach(
        (name, served) -> {
          if (served.main() != null) {
            versions.put(name, served.main().model.version());
          }
        });
    return versions;
  }

  /** The versions of {@code name} served beside its default, ascending. */
  public SortedSet<Long> besideVersions(String name) {
    Served served = models.get(name);
    return served == null ? new TreeSet<>() : new TreeSet<>(served.beside().keySet());
  }

  /** Every version served, the default and those beside it, by name, ascending. */
  public Map<String, SortedSet<Long>> servedVersions() {
    Map<String, SortedSet<Long>> versions = new TreeMap<>();
    models.forEach((name, served) -> versions.put(name, served.versions()));
    return versions;
  }

  /** Every version of {@code name} served, the default and those beside it, ascending. */
  public SortedSet<Long> servedVersions(String name) {
    Served served = models.get(name);
    return served == null ? new TreeSet<>() : served.versions();
  }

  /** Stops serving every model; each version is closed once the requests holding it end. */
  @Override
  public void close() {
    closed = true;
    for (String name : List.copyOf(models.keySet())) {
      removeAll(name);
    }
  }

  private void requireOpen(LoadedModel model) {
    if (closed) {
      model.close();
      throw new IllegalStateException("the model registry is closed");
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

  /**
   * What one name serves, never changed in place: the default version (null when only versions
   * beside it serve) and the versions beside it.
   */
  private record Served(Handle main, Map<Long, Handle> beside) {
    Served {
      beside = Map.copyOf(beside);
    }

    static Served orNull(Handle main, Map<Long, Handle> beside) {
      return main == null && beside.isEmpty() ? null : new Served(main, beside);
    }

    /** The default when {@code version} is null or is the default's; else the one beside. */
    Handle pick(Long version) {
      if (version == null) {
        return main;
      }
      if (main != null && main.model.version() == version) {
        return main;
      }
      return beside.get(version);
    }

    SortedSet<Long> versions() {
      SortedSet<Long> versions = new TreeSet<>(beside.keySet());
      if (main != null) {
        versions.add(main.model.version());
      }
      return versions;
    }

    List<Handle> handles() {
      List<Handle> handles = new ArrayList<>(beside.values());
      if (main != null) {
        handles.add(main);
      }
      return handles;
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
