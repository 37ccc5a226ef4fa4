package dev.verge.agent.sync;

import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.BesideVersion;
import dev.verge.agent.store.StoreException;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.core.api.SideBySideVersion.State;
import dev.verge.runtime.LoadedModel;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Keeps the versions the hub wants served beside each model's default ({@code
 * DesiredState.sideBySide}) serving: installs the missing ones, stops the ones no longer wanted,
 * retries a refused one with back-off, and says where each stands for the report. The default
 * versions are {@link SyncLoop}'s; this never touches them, nor the anti-rollback floor.
 */
final class SideBySideSync {
  private static final System.Logger LOG = System.getLogger(SideBySideSync.class.getName());

  private final ModelInstaller installer;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final Clock clock;
  private final Map<Key, Attempt> attempts = new ConcurrentHashMap<>();

  SideBySideSync(ModelInstaller installer, ModelRegistry registry, AgentStore store, Clock clock) {
    this.installer = installer;
    this.registry = registry;
    this.store = store;
    this.clock = clock;
  }

  private record Key(String model, long version) {}

  /** Where a wanted version stands while it does not serve. */
  private record Attempt(
      long deploymentId, String digest, State state, String detail, int tries, Instant retryAt) {
    boolean isFor(DesiredModel model) {
      return deploymentId == model.deploymentId() && Objects.equals(digest, model.bundleDigest());
    }
  }

  /** Serves again, from their kept bundles and without the hub, the versions served beside. */
  void restore() {
    for (BesideVersion beside : store.besideVersions()) {
      try {
        LoadedModel model = installer.loadKept(beside.digest(), beside.model(), beside.version());
        registry.activateBeside(model);
        LOG.log(
            System.Logger.Level.INFO,
            "restored {0} v{1} beside the default version",
            beside.model(),
            Long.toString(beside.version()));
      } catch (ActivationException e) {
        LOG.log(
            System.Logger.Level.ERROR,
            "cannot restore {0} v{1} beside the default version: {2}",
            beside.model(),
            Long.toString(beside.version()),
            e.getMessage());
      }
    }
  }

  /**
   * Installs each wanted version not serving beside yet (unless its back-off is running), and stops
   * the ones served beside that are no longer wanted.
   *
   * @param skip models unloaded through the local API: left as they are until that is undone
   * @param manual retry refused versions now
   * @param downloading told when a download starts, so the report can say so at once
   */
  void apply(
      List<DesiredModel> wanted, Set<String> skip, boolean manual, Consumer<String> downloading) {
    Set<Key> keys = new HashSet<>();
    for (DesiredModel model : wanted) {
      Key key = new Key(model.name(), model.version());
      keys.add(key);
      if (skip.contains(model.name())) {
        continue;
      }
      if (serving(model)) {
        attempts.remove(key);
        continue;
      }
      Attempt earlier = attempts.get(key);
      boolean same = earlier != null && earlier.isFor(model);
      if (same && !manual && clock.instant().isBefore(earlier.retryAt())) {
        continue;
      }
      DownloadWatch watch =
          new DownloadWatch() {
            @Override
            public void started() {
              attempts.put(
                  key,
                  new Attempt(
                      model.deploymentId(),
                      model.bundleDigest(),
                      State.DOWNLOADING,
                      null,
                      same ? earlier.tries() : 0,
                      Instant.MIN));
              downloading.accept(model.name());
            }

            @Override
            public boolean superseded() {
              return false;
            }
          };
      outcome(model, key, installer.installBeside(model, watch), same ? earlier : null);
    }
    for (BesideVersion beside : store.besideVersions()) {
      Key key = new Key(beside.model(), beside.version());
      if (!keys.contains(key) && !skip.contains(beside.model())) {
        stop(beside);
      }
    }
    attempts.keySet().retainAll(keys);
  }

  private void outcome(DesiredModel model, Key key, Activation outcome, Attempt earlier) {
    switch (outcome) {
      case Activation.Activated a -> {
        attempts.remove(key);
        LOG.log(
            System.Logger.Level.INFO,
            "{0} v{1} serves beside the default version (deployment {2})",
            a.model(),
            Long.toString(a.version()),
            Long.toString(model.deploymentId()));
      }
      case Activation.Failed f -> {
        int tries = earlier == null ? 1 : earlier.tries() + 1;
        Duration wait = SyncLoop.retryBackoff(f.retryable()).delay(tries);
        Instant now = clock.instant();
        attempts.put(
            key,
            new Attempt(
                model.deploymentId(),
                model.bundleDigest(),
                f.retryable() ? State.DOWNLOADING : State.FAILED,
                f.retryable() ? "retrying after: " + f.error() : f.error(),
                tries,
                now.plus(wait)));
        LOG.log(
            System.Logger.Level.WARNING,
            "{0} v{1} beside the default version {2}: {3}; retrying in {4} s",
            f.model(),
            Long.toString(f.version()),
            f.retryable() ? "not fetched yet" : "refused",
            f.error(),
            Long.toString(wait.toSeconds()));
      }
    }
  }

  private void stop(BesideVersion beside) {
    try {
      store.stopBeside(beside.model(), beside.version());
    } catch (StoreException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot record that {0} v{1} stops serving beside: {2}",
          beside.model(),
          Long.toString(beside.version()),
          e.getMessage());
      return;
    }
    registry.removeBeside(beside.model(), beside.version());
    LOG.log(
        System.Logger.Level.INFO,
        "{0} v{1} is no longer wanted beside the default version: stopped serving it",
        beside.model(),
        Long.toString(beside.version()));
  }

  /** Whether {@code model} serves beside its default from the bundle the hub names. */
  private boolean serving(DesiredModel model) {
    if (!registry.besideVersions(model.name()).contains(model.version())) {
      return false;
    }
    return store.besideVersions().stream()
        .anyMatch(
            b ->
                b.model().equals(model.name())
                    && b.version() == model.version()
                    && b.digest().equals(model.bundleDigest()));
  }

  /**
   * Where each version the hub wants beside {@code name}'s default stands, for the report; before
   * the hub has answered ({@code wanted} null), the versions restored from the store.
   */
  List<SideBySideVersion> report(String name, List<DesiredModel> wanted) {
    Set<Long> served = registry.servedVersions(name);
    List<SideBySideVersion> versions = new ArrayList<>();
    if (wanted == null) {
      for (BesideVersion b : store.besideVersions()) {
        if (b.model().equals(name) && served.contains(b.version())) {
          versions.add(new SideBySideVersion(b.version(), b.deploymentId(), State.SERVING, null));
        }
      }
      return versions;
    }
    for (DesiredModel model : wanted) {
      if (!model.name().equals(name)) {
        continue;
      }
      Attempt attempt = attempts.get(new Key(name, model.version()));
      if (served.contains(model.version()) && (attempt == null || !attempt.isFor(model))) {
        versions.add(
            new SideBySideVersion(model.version(), model.deploymentId(), State.SERVING, null));
      } else if (attempt != null && attempt.isFor(model)) {
        versions.add(
            new SideBySideVersion(
                model.version(), model.deploymentId(), attempt.state(), attempt.detail()));
      }
    }
    return versions;
  }

  /** Why a wanted version of {@code name} does not serve, by version, for the repository index. */
  Map<Long, String> problems(String name) {
    Map<Long, String> problems = new java.util.TreeMap<>();
    attempts.forEach(
        (key, attempt) -> {
          if (key.model().equals(name)) {
            problems.put(
                key.version(),
                attempt.state() == State.DOWNLOADING
                    ? Objects.requireNonNullElse(attempt.detail(), "downloading")
                    : attempt.detail());
          }
        });
    return problems;
  }
}
