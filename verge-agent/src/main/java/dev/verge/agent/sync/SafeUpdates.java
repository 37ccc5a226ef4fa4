package dev.verge.agent.sync;

import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.InstallStep;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.agent.store.StoreException;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.VersionStats;
import dev.verge.runtime.LoadedModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The device's own guard over a new default version, with no hub needed: at start, what the journal
 * says a kill or a crash loop left (resume, or go back); while a version serves on trial, its
 * health check, which commits it or goes back to the previous committed version; and the versions
 * refused so, which are not installed again until the hub asks for another deployment. Called under
 * the sync loop's lock.
 */
final class SafeUpdates {
  private static final System.Logger LOG = System.getLogger(SafeUpdates.class.getName());

  private final UpdatePolicy policy;
  private final InstallJournal journal;
  private final ModelInstaller installer;
  private final ModelRegistry registry;
  private final AgentStore store;
  private final HealthCounters health;
  private final SyncMetrics metrics;
  private final java.util.concurrent.atomic.AtomicBoolean committed =
      new java.util.concurrent.atomic.AtomicBoolean();

  SafeUpdates(
      UpdatePolicy policy,
      InstallJournal journal,
      ModelInstaller installer,
      ModelRegistry registry,
      AgentStore store,
      HealthCounters health,
      SyncMetrics metrics) {
    this.policy = policy;
    this.journal = journal;
    this.installer = installer;
    this.registry = registry;
    this.store = store;
    this.health = health;
    this.metrics = metrics;
  }

  UpdatePolicy policy() {
    return policy;
  }

  /**
   * At start, before the kept bundles are served again: reads where each install stopped. A version
   * on trial is served again, one more run counted, unless it has had its {@link
   * UpdatePolicy#maxRuns} runs: then the previous committed version is the active one again. An
   * install stopped while loading resumes with the next poll, unless its load was interrupted that
   * many times: then it is refused. Any other step resumes with the next poll.
   *
   * @return the versions refused now
   */
  List<RefusedVersion> beforeRestore() {
    List<RefusedVersion> refused = new ArrayList<>();
    for (InstallEntry entry : store.installs()) {
      Optional<ModelState> state = store.model(entry.model());
      String active = state.map(ModelState::activeDigest).orElse(null);
      String label = entry.model() + " v" + entry.version();
      if (entry.step() == InstallStep.HEALTH) {
        if (!entry.digest().equals(active)) {
          journal.ended(entry); // No longer what serves: its trial is moot.
        } else if (entry.runs() >= policy.maxRuns()) {
          InstalledBundle previous = previous(entry);
          String reason =
              Check.CRASH_LOOP.label()
                  + " failed: the agent ran "
                  + label
                  + " "
                  + entry.runs()
                  + " times on trial and stopped each time before its health check committed"
                  + " it; "
                  + (previous == null
                      ? "nothing to go back to, so it no longer serves"
                      : "rolled back to v" + previous.version());
          refused.add(journal.refuse(entry, Check.CRASH_LOOP, reason, false, previous));
          rolledBack(Check.CRASH_LOOP, reason);
        } else {
          journal.restarted(entry);
          LOG.log(
              System.Logger.Level.INFO,
              "{0} is on trial (run {1} of {2}): its health check goes on",
              label,
              Integer.toString(entry.runs() + 1),
              Integer.toString(policy.maxRuns()));
        }
      } else if ((entry.step() == InstallStep.LOAD || entry.step() == InstallStep.ACTIVATE)
          && entry.runs() >= policy.maxRuns()) {
        String reason =
            Check.LOAD.label()
                + " failed: the agent stopped "
                + entry.runs()
                + " times while loading "
                + label
                + " (a crash in the runtime?); "
                + state
                    .map(ModelState::activeVersion)
                    .map(v -> "v" + v + " keeps serving")
                    .orElse("nothing serves the model");
        refused.add(journal.refuse(entry, Check.LOAD, reason, true, null));
        rolledBack(Check.LOAD, reason);
      }
    }
    return refused;
  }

  /** Every version the device refused itself, by model, for the report after a restart. */
  java.util.Collection<RefusedVersion> refusals() {
    return journal.refusals().values();
  }

  /** Whether a version was committed since the last call: its previous bundle may go now. */
  boolean committedSinceLastAsked() {
    return committed.getAndSet(false);
  }

  /** Whether the device refused {@code desired} itself, and the hub still asks for it. */
  Optional<RefusedVersion> refusal(DesiredModel desired) {
    return journal.refusal(desired);
  }

  /** As {@link #refusal}, without forgetting a refusal the hub has moved on from: for readers. */
  boolean refuses(DesiredModel desired) {
    return journal.refuses(desired);
  }

  /** A version activated now: without a health check to run, it is committed at once. */
  void activated(String model) {
    InstallEntry trial = journal.trials().get(model);
    if (trial != null && policy.healthWindow().isZero()) {
      journal.commit(trial);
      committed.set(true);
    }
  }

  /** The model no longer serves as the hub wants it: whatever was under way for it is over. */
  void stopped(String model) {
    journal.drop(model);
  }

  /**
   * Runs the health check of every version on trial: commits those that passed and sends back those
   * that failed.
   *
   * @return the versions rolled back now
   */
  List<RefusedVersion> check() {
    List<RefusedVersion> rolledBack = new ArrayList<>();
    for (InstallEntry trial : journal.trials().values()) {
      if (registry.activeVersion(trial.model()).orElse(-1L) != trial.version()) {
        continue; // Replaced or stopped since; its trial ends with it.
      }
      Optional<VersionStats> stats =
          health.stats(trial.model()).filter(s -> s.version() == trial.version());
      if (stats.isEmpty()) {
        continue;
      }
      Duration onTrial =
          trial.healthSince() == null
              ? Duration.ZERO
              : Duration.between(trial.healthSince(), journal.now());
      switch (HealthCheck.judge(policy, stats.get(), onTrial)) {
        case HealthCheck.Verdict.Pending p -> {}
        case HealthCheck.Verdict.Healthy h -> {
          journal.commit(trial);
          committed.set(true);
          LOG.log(
              System.Logger.Level.INFO,
              "{0} v{1}: {2}",
              trial.model(),
              Long.toString(trial.version()),
              h.summary());
        }
        case HealthCheck.Verdict.Unhealthy u ->
            goBack(trial, u.reason()).ifPresent(rolledBack::add);
      }
    }
    return rolledBack;
  }

  /**
   * Serves the previous committed version again in place of {@code trial}'s, which is refused. With
   * nothing to go back to (a first install), or a previous bundle that no longer loads, the trial
   * version keeps serving, committed, as serving something beats serving nothing.
   */
  private Optional<RefusedVersion> goBack(InstallEntry trial, String failure) {
    String label = trial.model() + " v" + trial.version();
    if (trial.previousVersion() == null) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0} failed its health check ({1}) but the model has no earlier version to go back to:"
              + " it keeps serving",
          label,
          failure);
      journal.commit(trial);
      return Optional.empty();
    }
    LoadedModel previous;
    InstalledBundle bundle;
    try {
      bundle = installer.kept(trial.previousDigest(), trial.model(), trial.previousVersion());
      previous = installer.loadKept(trial.previousDigest(), trial.model(), trial.previousVersion());
    } catch (ActivationException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "{0} failed its health check ({1}), but v{2} cannot serve again ({3}): {0} keeps"
              + " serving",
          label,
          failure,
          Long.toString(trial.previousVersion()),
          e.getMessage());
      journal.commit(trial);
      return Optional.empty();
    }
    String reason =
        Check.HEALTH.label() + " failed: " + failure + "; rolled back to v" + previous.version();
    RefusedVersion refusal;
    try {
      refusal = journal.refuse(trial, Check.HEALTH, reason, false, bundle);
    } catch (StoreException e) {
      previous.close();
      throw e;
    }
    health.activated(previous, null);
    registry.activate(previous);
    rolledBack(Check.HEALTH, reason);
    return Optional.of(refusal);
  }

  private InstalledBundle previous(InstallEntry entry) {
    if (entry.previousVersion() == null) {
      return null;
    }
    try {
      return installer.kept(entry.previousDigest(), entry.model(), entry.previousVersion());
    } catch (ActivationException e) {
      LOG.log(System.Logger.Level.ERROR, "cannot go back: " + e.getMessage());
      return null;
    }
  }

  private void rolledBack(Check check, String reason) {
    metrics.rolledBack(check.name().toLowerCase(Locale.ROOT));
    LOG.log(System.Logger.Level.WARNING, reason);
  }
}
