package dev.verge.agent.sync;

import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.InstallStep;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.StoreException;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.bundle.Bundle;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.bundle.BundleProblem;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.bundle.Samples;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.EngineException;
import dev.verge.runtime.InferenceEngine;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Takes one model version from the desired state to serving: fetch the bundle, check its digest,
 * archive and publisher signature, check it holds the version asked for and that this is no
 * downgrade, load it beside the active version, run the bundle's samples (or, without any, a
 * best-effort warm-up on zeros that never refuses it), record it, and swap. Any refusal leaves the
 * active version serving and is returned as {@link Activation.Failed}, naming the check.
 */
final class ModelInstaller {
  private static final System.Logger LOG = System.getLogger(ModelInstaller.class.getName());

  private final InferenceEngine engine;
  private final TrustStore trust;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final BundleDownloader downloader;
  private final HealthCounters health;
  private final long maxModelBytes;
  private final InstallJournal journal;

  /**
   * @param maxModelBytes the largest model loaded: its bytes are held in direct memory while the
   *     engine builds its session, so a larger one is refused (BUNDLE) before it is read
   */
  ModelInstaller(
      InferenceEngine engine,
      TrustStore trust,
      ModelRegistry registry,
      AgentStore store,
      BundleDownloader downloader,
      HealthCounters health,
      long maxModelBytes,
      InstallJournal journal) {
    this.engine = engine;
    this.trust = trust;
    this.registry = registry;
    this.store = store;
    this.downloader = downloader;
    this.health = health;
    this.maxModelBytes = maxModelBytes;
    this.journal = journal;
  }

  Activation install(DesiredModel desired) {
    return install(desired, DownloadWatch.NONE);
  }

  /**
   * Fetches, checks, loads and swaps in one go.
   *
   * @param watch told of a download from the hub, and asked whether it is still wanted
   */
  Activation install(DesiredModel desired, DownloadWatch watch) {
    Path file = null;
    boolean journaled = false;
    try {
      checkDesired(desired);
      checkRollback(desired);
      InstallEntry entry = journal.begin(desired);
      journaled = true;
      file = downloader.fetch(desired, watch);
      entry = verifyAndStage(entry, desired, file);
      return swapIn(desired, file, entry);
    } catch (ActivationException e) {
      return refused(desired, file, journaled, e);
    } catch (StoreException e) {
      return storeFailure(desired, e);
    }
  }

  /**
   * Fetches and checks {@code desired} without loading it, for a version that activates later (in
   * its maintenance window): what can refuse it is found out now, not in the window.
   *
   * @param watch told of a download from the hub, and asked whether it is still wanted
   */
  Preparation prepare(DesiredModel desired, DownloadWatch watch) {
    Path file = null;
    boolean journaled = false;
    try {
      checkDesired(desired);
      checkRollback(desired);
      InstallEntry entry = journal.begin(desired);
      journaled = true;
      file = downloader.fetch(desired, watch);
      verifyAndStage(entry, desired, file);
      return new Preparation.Ready(file);
    } catch (ActivationException e) {
      return new Preparation.Refused(refused(desired, file, journaled, e));
    } catch (StoreException e) {
      return new Preparation.Refused(storeFailure(desired, e));
    }
  }

  /**
   * The verify and stage steps: the archive, signature and manifest of the downloaded bundle are
   * checked (its digest was, by the download), and it is journaled as ready to load.
   */
  private InstallEntry verifyAndStage(InstallEntry entry, DesiredModel desired, Path file) {
    entry = journal.step(entry, InstallStep.VERIFY);
    try (Bundle bundle = Bundle.open(file)) {
      bundle.verifySignature(trust);
      checkManifest(bundle.manifest(), desired.name(), desired.version());
      checkModelSize(bundle.manifest());
      bundle.samples(); // a sample file that cannot be read refuses the version now
    } catch (BundleException e) {
      throw bundleRefusal(e);
    } catch (UncheckedIOException e) {
      throw new ActivationException(Check.BUNDLE, e.getMessage(), e);
    }
    return journal.stage(entry);
  }

  /**
   * Loads, warms and swaps in a version {@link #prepare prepared} earlier, checking its bundle
   * again: the file may have changed on disk, or the trusted keys, since.
   */
  Activation activate(DesiredModel desired, Path file) {
    boolean journaled = false;
    try {
      checkRollback(desired);
      InstallEntry entry = journal.staged(desired);
      journaled = true;
      return swapIn(desired, file, entry);
    } catch (ActivationException e) {
      return refused(desired, file, journaled, e);
    } catch (StoreException e) {
      return storeFailure(desired, e);
    }
  }

  /**
   * The load (and warm), activate steps: the version serves on trial once its activation is in the
   * store, and its health check commits it or sends the model back.
   */
  private Activation swapIn(DesiredModel desired, Path file, InstallEntry staged) {
    InstallEntry entry = journal.loading(staged);
    LoadedModel model = load(file, desired.name(), desired.version());
    boolean swapped = false;
    try {
      long size = size(file);
      try {
        entry = journal.step(entry, InstallStep.ACTIVATE);
        journal.activated(
            entry,
            new InstalledBundle(desired.bundleDigest(), desired.name(), desired.version(), size));
      } catch (StoreException e) {
        throw new ActivationException(Check.STORE, e.getMessage(), e);
      }
      // Counting starts before the swap, so the new version's first request is counted.
      health.activated(model, desired.deploymentId());
      Long replaced = registry.activate(model).orElse(null);
      swapped = true;
      return new Activation.Activated(desired.name(), desired.version(), replaced);
    } finally {
      if (!swapped) {
        model.close(); // Whatever stopped the swap, even an Error, must not leak the session.
      }
    }
  }

  private Activation.Failed refused(
      DesiredModel desired, Path file, boolean journaled, ActivationException e) {
    if (file != null && isUnverified(e.check())) {
      discard(file, desired.bundleDigest());
    }
    if (journaled) {
      try {
        if (e.check() == Check.LOAD || e.check() == Check.SAMPLES) {
          // It does not load or warm up: refused until the hub sends another deployment.
          journal.refuse(desired, e.check(), e.getMessage());
        } else if (!e.retryable()) {
          journal.ended(desired);
        } // else: a download to resume, at its step
      } catch (StoreException s) {
        LOG.log(
            System.Logger.Level.WARNING,
            "cannot journal the refusal of " + desired.name() + ": " + s.getMessage());
      }
    }
    return new Activation.Failed(
        desired.name(), desired.version(), e.check(), e.getMessage(), e.retryable());
  }

  private static Activation.Failed storeFailure(DesiredModel desired, StoreException e) {
    ActivationException failure = new ActivationException(Check.STORE, e.getMessage(), e);
    return new Activation.Failed(
        desired.name(), desired.version(), Check.STORE, failure.getMessage());
  }

  /**
   * Serves a model's active version again from its kept bundle, checking it as on first install: a
   * bundle changed on disk, or signed by a key no longer trusted, is refused.
   */
  Activation restore(ModelState state) {
    String name = state.name();
    long version = state.activeVersion();
    try {
      Path file = downloader.bundlePath(state.activeDigest());
      if (!Files.exists(file)) {
        throw new ActivationException(
            Check.BUNDLE, "the kept bundle of " + name + " v" + version + " is missing: " + file);
      }
      LoadedModel model = load(file, name, version);
      health.restored(model);
      Long replaced = registry.activate(model).orElse(null);
      return new Activation.Activated(name, version, replaced);
    } catch (ActivationException e) {
      return new Activation.Failed(name, version, e.check(), e.getMessage());
    }
  }

  // Side by side (part "versions"): versions served beside the default, and local loads.

  /**
   * Fetches, checks and loads {@code desired}, then serves it beside its model's default version,
   * on its versioned paths only. No anti-rollback check: such a version serves only the requests
   * that name it, and it never raises the floor the default version is held to.
   */
  Activation installBeside(DesiredModel desired, DownloadWatch watch) {
    Path file = null;
    try {
      checkDesired(desired);
      file = downloader.fetch(desired, watch);
      LoadedModel model = load(file, desired.name(), desired.version());
      try {
        store.serveBeside(
            new InstalledBundle(
                desired.bundleDigest(), desired.name(), desired.version(), size(file)),
            desired.deploymentId());
      } catch (StoreException e) {
        model.close();
        throw new ActivationException(Check.STORE, e.getMessage(), e);
      }
      registry.activateBeside(model);
      return new Activation.Activated(desired.name(), desired.version(), null);
    } catch (ActivationException e) {
      return refused(desired, file, false, e);
    } catch (StoreException e) {
      return storeFailure(desired, e);
    }
  }

  /**
   * Loads a kept bundle again, checked as on first install, for a version served beside the default
   * (at start, or by a local load) or as the default of a local load; the caller decides where it
   * serves and closes it when it does not.
   *
   * @throws ActivationException naming the check that refused it
   */
  LoadedModel loadKept(String digest, String name, long version) {
    return load(keptFile(digest, name, version), name, version);
  }

  /** The kept bundle {@code digest} as an installed bundle, with its size on disk. */
  InstalledBundle kept(String digest, String name, long version) {
    return new InstalledBundle(digest, name, version, size(keptFile(digest, name, version)));
  }

  private Path keptFile(String digest, String name, long version) {
    Path file = downloader.bundlePath(digest);
    if (!Files.exists(file)) {
      throw new ActivationException(
          Check.BUNDLE, "the kept bundle of " + name + " v" + version + " is missing: " + file);
    }
    return file;
  }

  private static void checkDesired(DesiredModel desired) {
    if (!Manifest.isValidName(desired.name())) {
      throw new ActivationException(
          Check.DESIRED_STATE, "model name '" + desired.name() + "' is not a valid model name");
    }
    if (desired.version() < 1) {
      throw new ActivationException(
          Check.DESIRED_STATE, desired.name() + " has version " + desired.version());
    }
    if (!Digests.isSha256Hex(desired.bundleDigest())) {
      throw new ActivationException(
          Check.DESIRED_STATE,
          desired.name()
              + " v"
              + desired.version()
              + " names bundle '"
              + desired.bundleDigest()
              + "', which is not a SHA-256 digest");
    }
  }

  /** Refuses a version below the highest ever activated here, unless the hub says rollback. */
  private void checkRollback(DesiredModel desired) {
    long highest =
        store.model(desired.name()).map(ModelState::highestVersion).orElse(0L).longValue();
    if (desired.version() < highest && !desired.rollback()) {
      BundleException downgrade =
          new BundleException(
              BundleProblem.DOWNGRADE,
              desired.name()
                  + " v"
                  + desired.version()
                  + " is lower than v"
                  + highest
                  + ", the highest version activated on this device; only a rollback"
                  + " deployment may go back");
      throw new ActivationException(Check.ANTI_ROLLBACK, downgrade.getMessage(), downgrade);
    }
  }

  private LoadedModel load(Path file, String name, long version) {
    ByteBuffer modelBytes;
    Optional<Samples> samples;
    try (Bundle bundle = Bundle.open(file)) {
      bundle.verifySignature(trust);
      Manifest manifest = bundle.manifest();
      checkManifest(manifest, name, version);
      checkModelSize(manifest);
      // Off the heap: ONNX Runtime reads the buffer in place, so serving keeps its heap.
      modelBytes = bundle.readFileOffHeap(manifest.entrypoint());
      samples = bundle.samples();
    } catch (BundleException e) {
      throw bundleRefusal(e);
    } catch (UncheckedIOException e) {
      throw new ActivationException(Check.BUNDLE, e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      throw outOfMemory(name, version, "read", e);
    }
    LoadedModel model;
    try {
      model = engine.load(ModelSource.offHeap(name, version, modelBytes));
    } catch (EngineException e) {
      throw new ActivationException(Check.LOAD, e.getMessage(), e);
    } catch (OutOfMemoryError e) {
      // One large allocation failed; the heap is whole again once it is dropped.
      throw outOfMemory(name, version, "load", e);
    }
    if (samples.isPresent()) {
      try {
        SampleGate.check(model, samples.get());
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    } else {
      warmUp(model);
    }
    return model;
  }

  /** Refuses a model larger than this agent loads, before a byte of it is read. */
  private void checkModelSize(Manifest manifest) {
    long size = manifest.file(manifest.entrypoint()).size();
    if (size > maxModelBytes) {
      throw new ActivationException(
          Check.BUNDLE,
          "model "
              + manifest.entrypoint()
              + " of "
              + manifest.name()
              + " v"
              + manifest.version()
              + " is "
              + mib(size)
              + ", more than the "
              + mib(maxModelBytes)
              + " this agent loads (max-model-mb); raise max-model-mb (past half the heap, raise"
              + " -XX:MaxDirectMemorySize with it), or ship a smaller model");
    }
  }

  private static ActivationException outOfMemory(
      String name, long version, String step, OutOfMemoryError e) {
    return new ActivationException(
        Check.LOAD,
        "not enough memory to "
            + step
            + " "
            + name
            + " v"
            + version
            + " (heap "
            + mib(Runtime.getRuntime().maxMemory())
            + ", direct memory "
            + mib(DownloadLimits.directMemoryLimit())
            + "): lower max-model-mb or raise -XX:MaxDirectMemorySize and the heap (-Xmx)",
        e);
  }

  private static String mib(long bytes) {
    return bytes % (1024 * 1024) == 0
        ? bytes / (1024 * 1024) + " MiB"
        : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }

  private static ActivationException bundleRefusal(BundleException e) {
    Check check =
        switch (e.problem()) {
          case UNSIGNED, UNTRUSTED_KEY, BAD_SIGNATURE -> Check.SIGNATURE;
          case DOWNGRADE -> Check.ANTI_ROLLBACK;
          case INVALID_SAMPLES -> Check.SAMPLES;
          default -> Check.BUNDLE;
        };
    return new ActivationException(check, e.getMessage(), e);
  }

  private static void checkManifest(Manifest manifest, String name, long version) {
    if (!manifest.name().equals(name) || manifest.version() != version) {
      throw new ActivationException(
          Check.MANIFEST,
          "bundle holds "
              + manifest.name()
              + " v"
              + manifest.version()
              + ", the desired state asks for "
              + name
              + " v"
              + version);
    }
    if (!Manifest.RUNTIME_ONNX.equals(manifest.runtime())) {
      throw new ActivationException(
          Check.MANIFEST,
          "bundle "
              + name
              + " v"
              + version
              + " needs runtime '"
              + manifest.runtime()
              + "'; this agent runs "
              + Manifest.RUNTIME_ONNX);
    }
  }

  /** Warms a version that ships no samples; its failure is told once, and the version serves. */
  private static void warmUp(LoadedModel model) {
    String label = model.name() + " v" + model.version();
    switch (ZeroWarmUp.run(model)) {
      case ZeroWarmUp.Outcome.Warmed warmed -> {}
      case ZeroWarmUp.Outcome.Skipped skipped ->
          LOG.log(
              System.Logger.Level.INFO,
              label + " is not warmed up on zeros (" + skipped.reason() + ")");
      case ZeroWarmUp.Outcome.Failed failed ->
          LOG.log(
              System.Logger.Level.WARNING,
              label
                  + " serves without a warm-up: it did not run on zeros with every dynamic"
                  + " dimension set to 1 ("
                  + failed.error()
                  + "), which many valid models cannot (a frame needs more than one sample), so"
                  + " its first request pays the runtime's setup. Ship samples in the bundle"
                  + " ('verge bundle create --samples') to warm it on real inputs and check its"
                  + " answers at install.");
    }
  }

  private static boolean isUnverified(Check check) {
    return check == Check.BUNDLE || check == Check.SIGNATURE || check == Check.MANIFEST;
  }

  /** Deletes a bundle that failed its checks, unless it is one this device installed before. */
  private void discard(Path file, String digest) {
    try {
      if (store.bundles().stream().noneMatch(b -> b.digest().equals(digest))) {
        Files.deleteIfExists(file);
      }
    } catch (IOException | StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete refused bundle " + file, e);
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      throw new ActivationException(Check.BUNDLE, "cannot read " + file + ": " + e.getMessage());
    }
  }
}
