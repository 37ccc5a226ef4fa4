package dev.verge.agent.sync;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.InstallStep;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.core.api.DesiredModel;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes each step of a default version's install to the agent store before the step runs, so that
 * the next start knows where a kill or a power cut stopped it, and keeps the versions the device
 * refused by itself. The store is the truth; refusals are cached, read on every poll.
 */
final class InstallJournal {
  private static final System.Logger LOG = System.getLogger(InstallJournal.class.getName());

  private final AgentStore store;
  private final Clock clock;
  private final InstallObserver observer;
  private final Map<String, RefusedVersion> refused = new ConcurrentHashMap<>();

  /**
   * The versions serving on trial, by model: the store's entries at the health step. Changed under
   * this journal's monitor, as {@link #progressed} runs beside the sync loop's lock.
   */
  private final Map<String, InstallEntry> trials = new ConcurrentHashMap<>();

  InstallJournal(AgentStore store, Clock clock, InstallObserver observer) {
    this.store = store;
    this.clock = clock;
    this.observer = observer;
    for (RefusedVersion r : store.refusedVersions()) {
      refused.put(r.model(), r);
    }
    for (InstallEntry e : store.installs()) {
      if (e.step() == InstallStep.HEALTH) {
        trials.put(e.model(), e);
      }
    }
  }

  /**
   * Starts (or resumes) the install of {@code desired} at the download step. The same target asked
   * again keeps its run count; the version to go back to is the last committed one, which is the
   * active one unless the active one is itself on trial, or, when the model has none, the one on
   * trial (a model's first version, which had not failed its check).
   */
  InstallEntry begin(DesiredModel desired) {
    Optional<InstallEntry> existing = store.install(desired.name());
    InstallEntry trial = trials.get(desired.name());
    InstallEntry entry;
    if (existing.isPresent()
        && existing
            .get()
            .isFor(desired.version(), desired.bundleDigest(), desired.deploymentId())) {
      entry = existing.get().at(InstallStep.DOWNLOAD);
    } else {
      Long previousVersion;
      String previousDigest;
      if (trial != null && trial.previousVersion() != null) {
        previousVersion = trial.previousVersion();
        previousDigest = trial.previousDigest();
      } else if (trial != null) {
        // A first version still on trial: not committed, but serving and not found wanting.
        previousVersion = trial.version();
        previousDigest = trial.digest();
      } else {
        ModelState state = store.model(desired.name()).orElse(null);
        previousVersion = state == null ? null : state.activeVersion();
        previousDigest = state == null || previousVersion == null ? null : state.activeDigest();
      }
      entry =
          InstallEntry.of(
              desired.name(),
              desired.version(),
              desired.bundleDigest(),
              desired.deploymentId(),
              InstallStep.DOWNLOAD,
              previousVersion,
              previousDigest);
    }
    return save(entry, null);
  }

  InstallEntry step(InstallEntry entry, InstallStep step) {
    return save(entry.at(step), null);
  }

  /**
   * The stage step: the verified bundle is ready to load, now or in its window. It becomes an
   * installed bundle at its activation; until then the journal keeps garbage collection off it.
   */
  InstallEntry stage(InstallEntry entry) {
    return save(entry.at(InstallStep.STAGE), null);
  }

  /** The load step, counted as a run before the load starts: a crash in it is then counted. */
  InstallEntry loading(InstallEntry entry) {
    return save(entry.at(InstallStep.LOAD).run(), null);
  }

  /** The journal entry of {@code desired} staged earlier, or a new one at the stage step. */
  InstallEntry staged(DesiredModel desired) {
    return store
        .install(desired.name())
        .filter(e -> e.isFor(desired.version(), desired.bundleDigest(), desired.deploymentId()))
        .orElseGet(() -> step(begin(desired), InstallStep.STAGE));
  }

  /** The activation: {@code bundle} is the active version, on trial from now, in one step. */
  InstallEntry activated(InstallEntry entry, InstalledBundle bundle) {
    InstallEntry trial = entry.onTrial(clock.instant().truncatedTo(ChronoUnit.MILLIS));
    store.activateOnTrial(bundle, trial);
    synchronized (this) {
      trials.put(trial.model(), trial);
    }
    observer.reached(trial.model(), trial.version(), trial.step());
    return trial;
  }

  /**
   * A run that starts with {@code entry}'s version on trial: one more in a row that may answer
   * nothing, or, when the last run answered requests, the first of a new series.
   */
  InstallEntry restarted(InstallEntry entry) {
    InstallEntry trial = save(entry.runAnswered() ? entry.freshRun() : entry.run(), null);
    synchronized (this) {
      trials.put(trial.model(), trial);
    }
    return trial;
  }

  /**
   * The trial of {@code trial}'s version has answered {@code answered} requests successfully, over
   * all its runs: journaled now, so that the next start, after a power cut too, knows this run
   * served. Safe beside the sync loop's lock (the health tick runs it while a cycle downloads): it
   * never brings back a trial committed or refused meanwhile, nor lowers a count. Not an install
   * step: the observer is not told.
   *
   * @return the trial as it stands now, or {@code trial} when it is no longer on trial
   */
  synchronized InstallEntry progressed(InstallEntry trial, long answered) {
    InstallEntry current = trials.get(trial.model());
    if (current == null || !sameTrial(current, trial) || answered <= current.answered()) {
      return current != null && sameTrial(current, trial) ? current : trial;
    }
    InstallEntry now = current.answered(answered);
    store.saveTrialProgress(now);
    trials.put(now.model(), now);
    return now;
  }

  private static boolean sameTrial(InstallEntry a, InstallEntry b) {
    return a.version() == b.version()
        && a.digest().equals(b.digest())
        && java.util.Objects.equals(a.healthSince(), b.healthSince());
  }

  /** Removes {@code entry}'s trial from those in memory, whatever progress it has journaled. */
  private synchronized void endTrial(InstallEntry entry) {
    InstallEntry current = trials.get(entry.model());
    if (current != null && sameTrial(current, entry)) {
      trials.remove(entry.model());
    }
  }

  /** Every version on trial now, by model. */
  Map<String, InstallEntry> trials() {
    return Map.copyOf(trials);
  }

  void commit(InstallEntry entry) {
    store.commitInstall(entry.model(), entry.digest());
    endTrial(entry);
    LOG.log(
        System.Logger.Level.INFO,
        "{0} v{1} passed its health check: committed",
        entry.model(),
        Long.toString(entry.version()));
  }

  /** The model is no longer desired: whatever was under way for it is over. */
  void drop(String model) {
    synchronized (this) {
      trials.remove(model);
    }
    store.dropInstall(model);
  }

  /** An install that ended before its activation (refused, or given up): its entry goes. */
  void ended(DesiredModel desired) {
    store
        .install(desired.name())
        .filter(e -> e.isFor(desired.version(), desired.bundleDigest(), desired.deploymentId()))
        .ifPresent(this::ended);
  }

  /** {@code entry} alone goes, whether under way or on trial. */
  void ended(InstallEntry entry) {
    store.endInstall(entry);
    endTrial(entry);
  }

  /**
   * Refuses {@code entry}'s version for {@code failure}'s reason and makes {@code activeNow} the
   * model's active version (none when null), unless {@code keepActive}.
   */
  RefusedVersion refuse(
      InstallEntry entry,
      Check check,
      String reason,
      boolean keepActive,
      InstalledBundle activeNow) {
    RefusedVersion refusal =
        new RefusedVersion(
            entry.model(),
            entry.version(),
            entry.digest(),
            entry.deploymentId(),
            check.name(),
            reason,
            clock.instant().truncatedTo(ChronoUnit.MILLIS));
    store.refuse(refusal, keepActive, activeNow);
    refused.put(refusal.model(), refusal);
    if (!keepActive) {
      synchronized (this) {
        trials.remove(entry.model());
      }
    }
    return refusal;
  }

  /** Refuses {@code desired} as it stands, before it was activated; the active version stays. */
  RefusedVersion refuse(DesiredModel desired, Check check, String reason) {
    InstallEntry entry =
        InstallEntry.of(
            desired.name(),
            desired.version(),
            desired.bundleDigest(),
            desired.deploymentId(),
            InstallStep.LOAD,
            null,
            null);
    return refuse(entry, check, reason, true, null);
  }

  /**
   * The device's own refusal of {@code desired}, if it still holds: a refusal of another version or
   * deployment is forgotten, since the hub has moved on.
   */
  Optional<RefusedVersion> refusal(DesiredModel desired) {
    RefusedVersion r = refused.get(desired.name());
    if (r == null) {
      return Optional.empty();
    }
    if (r.isFor(desired.version(), desired.bundleDigest(), desired.deploymentId())) {
      return Optional.of(r);
    }
    store.forgetRefusal(r.model());
    refused.remove(r.model(), r);
    return Optional.empty();
  }

  /** Whether the device's own refusal of {@code desired} holds; reads, never forgets. */
  boolean refuses(DesiredModel desired) {
    RefusedVersion r = refused.get(desired.name());
    return r != null && r.isFor(desired.version(), desired.bundleDigest(), desired.deploymentId());
  }

  /** Every refusal kept, for the report after a restart. */
  Map<String, RefusedVersion> refusals() {
    return Map.copyOf(refused);
  }

  Instant now() {
    return clock.instant();
  }

  private InstallEntry save(InstallEntry entry, InstalledBundle bundle) {
    store.saveInstall(entry, bundle);
    observer.reached(entry.model(), entry.version(), entry.step());
    return entry;
  }
}
