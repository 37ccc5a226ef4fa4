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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The device's own guard over a new default version, with no hub needed: at start, what the journal
 * says a kill or a crash loop left (resume, or go back); while a version serves on trial, its
 * health check, which commits it or goes back to the previous committed version; and the versions
 * refused so, which are not installed again until the hub asks for another deployment. Called under
 * the sync loop's lock.
 *
 * <p>What counts as a crash: only a run that answered nothing. Each health-check tick journals how
 * many requests the version on trial has answered successfully, over all its runs (after saving the
 * health counters, which the check judges and which go on across restarts); a start that finds the
 * last run answered some does not count that run, and the series of runs towards {@link
 * UpdatePolicy#maxRuns} starts again. So power cuts that come faster than the health window delay
 * the commit without refusing a version that serves, and the commit comes once the answers of all
 * its runs reach {@link UpdatePolicy#healthRequests}. A version whose process dies before it
 * answers anything, {@code maxRuns} times in a row, is a crash loop: the previous committed version
 * serves again, or, with nothing to go back to, the version keeps serving, committed, with a
 * warning in the device's report, as serving something beats serving nothing.
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
  private final Runnable saveCounters;
  private final java.util.concurrent.atomic.AtomicBoolean committed =
      new java.util.concurrent.atomic.AtomicBoolean();

  /** Versions kept serving though a check failed, by model: what the device's report says. */
  private final Map<String, Notice> notices = new ConcurrentHashMap<>();

  /** A version that serves though it failed a check, with nothing to go back to, and why. */
  record Notice(long version, String text) {}

  /**
   * @param saveCounters saves the health counters to the store; run before the journal records a
   *     trial's progress, so a power cut never leaves the journal ahead of the counters it reads
   */
  SafeUpdates(
      UpdatePolicy policy,
      InstallJournal journal,
      ModelInstaller installer,
      ModelRegistry registry,
      AgentStore store,
      HealthCounters health,
      SyncMetrics metrics,
      Runnable saveCounters) {
    this.policy = policy;
    this.journal = journal;
    this.installer = installer;
    this.registry = registry;
    this.store = store;
    this.health = health;
    this.metrics = metrics;
    this.saveCounters = saveCounters;
  }

  UpdatePolicy policy() {
    return policy;
  }

  /**
   * At start, before the kept bundles are served again: reads where each install stopped. A version
   * on trial is served again, one more run counted when the last run answered nothing with it (a
   * run that answered requests starts the count again), unless it has had its {@link
   * UpdatePolicy#maxRuns} runs in a row that answered nothing: then the previous committed version
   * is the active one again, or, with none to go back to, it keeps serving, committed, with a
   * warning. An install stopped while loading resumes with the next poll, unless its load was
   * interrupted that many times: then it is refused (a version that crashes while loading cannot
   * serve). Any other step resumes with the next poll.
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
        } else if (!entry.runAnswered() && entry.runs() >= policy.maxRuns()) {
          String loop =
              Check.CRASH_LOOP.label()
                  + " failed: the agent ran "
                  + label
                  + " "
                  + entry.runs()
                  + " times on trial and stopped each time before it answered a request";
          InstalledBundle previous = previous(entry);
          if (previous == null) {
            keepServing(entry, loop + "; nothing to go back to, so it keeps serving, committed");
          } else {
            String reason = loop + "; rolled back to v" + previous.version();
            refused.add(journal.refuse(entry, Check.CRASH_LOOP, reason, false, previous));
            rolledBack(Check.CRASH_LOOP, reason);
          }
        } else {
          InstallEntry run = journal.restarted(entry);
          LOG.log(
              System.Logger.Level.INFO,
              "{0} is on trial, {1} requests answered so far (run {2} of {3} without an answer):"
                  + " its health check goes on",
              label,
              Long.toString(run.answered()),
              Integer.toString(run.runs()),
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

  /**
   * Why {@code model}'s active version {@code version} serves though it failed a check (with
   * nothing to go back to); empty when it did not.
   */
  Optional<String> notice(String model, long version) {
    Notice n = notices.get(model);
    return n != null && n.version() == version ? Optional.of(n.text()) : Optional.empty();
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
    for (InstallEntry onTrial : journal.trials().values()) {
      if (registry.activeVersion(onTrial.model()).orElse(-1L) != onTrial.version()) {
        continue; // Replaced or stopped since; its trial ends with it.
      }
      Optional<VersionStats> stats =
          health.stats(onTrial.model()).filter(s -> s.version() == onTrial.version());
      if (stats.isEmpty()) {
        continue;
      }
      InstallEntry trial = progressed(onTrial, stats.get());
      Duration since =
          trial.healthSince() == null
              ? Duration.ZERO
              : Duration.between(trial.healthSince(), journal.now());
      switch (HealthCheck.judge(policy, stats.get(), since)) {
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
   * Journals how many requests each version on trial has answered, without judging it: for the
   * health tick while a cycle holds the sync loop's lock (a download can take minutes), and at
   * shutdown. Needs no lock.
   */
  void recordProgress() {
    for (InstallEntry trial : journal.trials().values()) {
      health
          .stats(trial.model())
          .filter(s -> s.version() == trial.version())
          .ifPresent(s -> progressed(trial, s));
    }
  }

  private InstallEntry progressed(InstallEntry trial, VersionStats stats) {
    long answered = answered(stats);
    if (answered <= trial.answered()) {
      return trial;
    }
    // The counters first: a power cut between the two leaves the journal behind, never ahead.
    saveCounters.run();
    return journal.progressed(trial, answered);
  }

  /**
   * Serves the previous committed version again in place of {@code trial}'s, which is refused. With
   * nothing to go back to (a first install), or a previous bundle that no longer loads, the trial
   * version keeps serving, committed, as serving something beats serving nothing.
   */
  private Optional<RefusedVersion> goBack(InstallEntry trial, String failure) {
    String label = trial.model() + " v" + trial.version();
    if (trial.previousVersion() == null) {
      keepServing(
          trial,
          Check.HEALTH.label()
              + " failed: "
              + failure
              + "; "
              + label
              + " has no earlier version to go back to, so it keeps serving, committed");
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
      notices.put(
          trial.model(),
          new Notice(
              trial.version(),
              Check.HEALTH.label()
                  + " failed: "
                  + failure
                  + "; v"
                  + trial.previousVersion()
                  + " cannot serve again, so it keeps serving, committed"));
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

  /**
   * {@code trial}'s version failed a check with nothing to go back to: it keeps serving, committed
   * (its bundle kept), and the device's report says why, as serving something beats serving
   * nothing.
   */
  private void keepServing(InstallEntry trial, String why) {
    journal.commit(trial);
    notices.put(trial.model(), new Notice(trial.version(), why));
    LOG.log(System.Logger.Level.WARNING, why);
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

  /** The requests answered successfully: each is in one latency bucket, and only they are. */
  private static long answered(VersionStats stats) {
    long total = 0;
    for (long bucket : stats.latency()) {
      total += bucket;
    }
    return total;
  }

  private void rolledBack(Check check, String reason) {
    metrics.rolledBack(check.name().toLowerCase(Locale.ROOT));
    LOG.log(System.Logger.Level.WARNING, reason);
  }
}
