package dev.verge.agent.sync;

import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.serving.ModelRepository;
import dev.verge.agent.serving.RepositoryEntry;
import dev.verge.agent.serving.RepositoryException;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.runtime.LoadedModel;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The model repository extension on a Verge device: the index of every version served, wanted or
 * kept, and local loads and unloads for development. Local changes live in {@link LocalChanges}
 * until the hub's desired state next changes (the sync loop then undoes them) or the agent
 * restarts, and go to the hub with the next report.
 */
final class LocalRepository implements ModelRepository {
  private static final System.Logger LOG = System.getLogger(LocalRepository.class.getName());

  private final SyncLoop sync;
  private final ModelInstaller installer;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final LocalChanges local;
  private final SideBySideSync beside;
  private final Clock clock;

  LocalRepository(
      SyncLoop sync,
      ModelInstaller installer,
      ModelRegistry registry,
      AgentStore store,
      LocalChanges local,
      SideBySideSync beside,
      Clock clock) {
    this.sync = sync;
    this.installer = installer;
    this.registry = registry;
    this.store = store;
    this.local = local;
    this.beside = beside;
    this.clock = clock;
  }

  @Override
  public List<RepositoryEntry> index() {
    DesiredState state = sync.desiredNow();
    Set<String> names = new TreeSet<>(registry.servedVersions().keySet());
    List<InstalledBundle> kept = store.bundles();
    kept.forEach(b -> names.add(b.model()));
    names.addAll(local.models());
    if (state != null) {
      state.models().forEach(m -> names.add(m.name()));
      state.sideBySide().forEach(m -> names.add(m.name()));
    }
    List<RepositoryEntry> entries = new ArrayList<>();
    for (String name : names) {
      entries.addAll(index(name, state, kept).values());
    }
    return entries;
  }

  private Map<Long, RepositoryEntry> index(
      String name, DesiredState state, List<InstalledBundle> kept) {
    Map<Long, RepositoryEntry> versions = new TreeMap<>();
    registry.servedVersions(name).forEach(v -> versions.put(v, RepositoryEntry.ready(name, v)));
    String unloaded =
        local.isUnloaded(name)
            ? "unloaded through the local API; the hub's next desired-state change loads it again"
            : null;
    if (state != null) {
      for (DesiredModel m : state.models()) {
        if (m.name().equals(name) && !versions.containsKey(m.version())) {
          versions.put(m.version(), entry(m, unloaded != null ? unloaded : defaultReason(m)));
        }
      }
      for (SideBySideVersion v : beside.report(name, state.sideBySide())) {
        if (!versions.containsKey(v.version())) {
          String reason =
              unloaded != null
                  ? unloaded
                  : v.state() == SideBySideVersion.State.FAILED
                      ? "refused: " + v.detail()
                      : "loading beside the default version"
                          + (v.detail() == null ? "" : ": " + v.detail());
          versions.put(v.version(), unavailableOrLoading(name, v.version(), reason));
        }
      }
      for (DesiredModel m : state.sideBySide()) {
        if (m.name().equals(name) && !versions.containsKey(m.version())) {
          versions.put(
              m.version(),
              unavailableOrLoading(
                  name, m.version(), unloaded != null ? unloaded : "loading beside the default"));
        }
      }
    }
    SyncLoop.Failure failure = sync.failure(name);
    if (failure != null && !failure.retryable() && !versions.containsKey(failure.version())) {
      versions.put(
          failure.version(),
          new RepositoryEntry(
              name,
              Long.toString(failure.version()),
              RepositoryEntry.UNAVAILABLE,
              "refused: " + failure.error()));
    }
    for (InstalledBundle b : kept) {
      if (b.model().equals(name) && !versions.containsKey(b.version())) {
        versions.put(
            b.version(),
            new RepositoryEntry(
                name,
                Long.toString(b.version()),
                RepositoryEntry.UNAVAILABLE,
                unloaded != null
                    ? unloaded
                    : "kept on this device; the hub's desired state does not ask for it"));
      }
    }
    return versions;
  }

  /** Why the desired default version {@code m} does not serve yet. */
  private String defaultReason(DesiredModel m) {
    SyncLoop.Failure failure = sync.failure(m.name());
    if (failure != null && failure.version() == m.version() && !failure.retryable()) {
      return "refused: " + failure.error();
    }
    PendingTarget pending = sync.pending(m.name());
    if (pending != null && pending.version() == m.version()) {
      String phase = pending.phase().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
      return "loading: " + phase + (pending.detail() == null ? "" : " (" + pending.detail() + ")");
    }
    return "loading";
  }

  private static RepositoryEntry entry(DesiredModel m, String reason) {
    return unavailableOrLoading(m.name(), m.version(), reason);
  }

  private static RepositoryEntry unavailableOrLoading(String name, long version, String reason) {
    String state =
        reason.startsWith("loading") ? RepositoryEntry.LOADING : RepositoryEntry.UNAVAILABLE;
    return new RepositoryEntry(name, Long.toString(version), state, reason);
  }

  @Override
  public void load(String name, Long version) {
    sync.locked(
        () -> {
          if (local.reload(name)) {
            LOG.log(
                System.Logger.Level.INFO,
                "local API: {0} loaded again; the hub''s desired state applies to it",
                name);
            sync.applyNow();
          }
          if (version == null ? registry.activeVersion(name).isPresent() : served(name, version)) {
            return;
          }
          InstalledBundle bundle = kept(name, version);
          LoadedModel model;
          try {
            model = installer.loadKept(bundle.digest(), name, bundle.version());
          } catch (ActivationException e) {
            throw new RepositoryException(
                RepositoryException.Kind.LOAD_FAILED,
                "cannot load " + name + " v" + bundle.version() + ": " + e.getMessage());
          }
          boolean asDefault = registry.activeVersion(name).isEmpty();
          if (asDefault) {
            registry.activate(model);
          } else {
            registry.activateBeside(model);
          }
          local.loaded(name, bundle.version(), asDefault, clock.instant());
          LOG.log(
              System.Logger.Level.INFO,
              "local API: {0} v{1} loaded {2}; the hub''s next desired-state change undoes it",
              name,
              Long.toString(bundle.version()),
              asDefault ? "as the default version" : "beside the default version");
        });
    sync.reportSoon();
  }

  private boolean served(String name, long version) {
    return registry.servedVersions(name).contains(version);
  }

  /** The kept bundle of {@code version}, or the highest kept when null. */
  private InstalledBundle kept(String name, Long version) {
    List<InstalledBundle> bundles =
        store.bundles().stream()
            .filter(b -> b.model().equals(name))
            .sorted(Comparator.comparingLong(InstalledBundle::version))
            .toList();
    if (bundles.isEmpty()) {
      throw new RepositoryException(
          RepositoryException.Kind.NOT_FOUND,
          "no version of model '"
              + name
              + "' is kept on this device: models reach it through the hub's desired state");
    }
    if (version == null) {
      return bundles.getLast();
    }
    return bundles.stream()
        .filter(b -> b.version() == version)
        .findFirst()
        .orElseThrow(
            () ->
                new RepositoryException(
                    RepositoryException.Kind.NOT_FOUND,
                    "version "
                        + version
                        + " of model '"
                        + name
                        + "' is not kept on this device; kept: "
                        + bundles.stream().map(b -> "v" + b.version()).distinct().toList()));
  }

  @Override
  public void unload(String name) {
    sync.locked(
        () -> {
          SortedSet<Long> served = registry.removeAll(name);
          DesiredState state = sync.desiredNow();
          boolean known =
              !served.isEmpty()
                  || local.isUnloaded(name)
                  || store.bundles().stream().anyMatch(b -> b.model().equals(name))
                  || (state != null
                      && state.models().stream().anyMatch(m -> m.name().equals(name)));
          if (!known) {
            throw new RepositoryException(
                RepositoryException.Kind.NOT_FOUND,
                "model '" + name + "' is not known on this device");
          }
          local.unloaded(name, clock.instant());
          LOG.log(
              System.Logger.Level.INFO,
              "local API: {0} unloaded ({1}); the hub''s next desired-state change loads it again",
              name,
              served.isEmpty() ? "nothing served" : "was serving " + served);
        });
    sync.reportSoon();
  }
}
