package dev.verge.agent.store;

import dev.verge.core.api.PredictionRecord;
import java.util.List;
import java.util.Optional;

/**
 * Everything the agent keeps across restarts: its identity, which model versions are active and
 * installed, and the predictions it served until the hub has them. Implementations are thread-safe.
 */
public interface AgentStore extends AutoCloseable {

  Optional<Identity> identity();

  /**
   * Stores the identity the hub gave at enrollment.
   *
   * @throws IllegalStateException when one is stored already
   */
  void saveIdentity(Identity identity);

  /** Every model this device has activated at least once, by name. */
  List<ModelState> models();

  Optional<ModelState> model(String name);

  /**
   * Records in one step that {@code bundle} is installed and its version is the model's active one,
   * raising the model's highest version when it is higher.
   */
  void activate(InstalledBundle bundle);

  /** Records that the model no longer has an active version; its highest version stays. */
  void deactivate(String model);

  /**
   * Records in one step that {@code bundle} is installed and serves beside its model's default
   * version, for {@code deploymentId}; the model's highest version is left as it is.
   */
  void serveBeside(InstalledBundle bundle, long deploymentId);

  /** Records that {@code version} of {@code model} no longer serves beside the default. */
  void stopBeside(String model, long version);

  /** Every version served beside a default one, by model then version. */
  List<BesideVersion> besideVersions();

  /** Every installed bundle, by model then version. */
  List<InstalledBundle> bundles();

  // The installation journal, refused versions and bundle garbage collection (issue 9).

  /**
   * Every journal entry, by model: per model at most one install under way and one version on trial
   * ({@link InstallStep#HEALTH}).
   */
  List<InstallEntry> installs();

  /** The install of {@code model} under way (not on trial), if any. */
  Optional<InstallEntry> install(String model);

  /**
   * Records that {@code entry} reached its step, replacing the model's entry of the same kind
   * (under way, or on trial); with a {@code bundle}, in the same transaction, keeps it among the
   * installed ones.
   */
  void saveInstall(InstallEntry entry, InstalledBundle bundle);

  /**
   * Records how many requests the version on trial in {@code entry} has answered ({@link
   * InstallEntry#answered}, {@link InstallEntry#answeredBefore}); nothing when that version is no
   * longer on trial (committed or refused meanwhile): progress never brings a trial back.
   */
  void saveTrialProgress(InstallEntry entry);

  /**
   * Records in one step that {@code bundle} is the model's active version (as {@link #activate})
   * and that it serves on trial ({@code entry}, at the {@link InstallStep#HEALTH} step), replacing
   * both of the model's entries.
   */
  void activateOnTrial(InstalledBundle bundle, InstallEntry entry);

  /**
   * Commits the version of {@code model} on trial with bundle {@code digest}: its entry goes, and
   * the bundle is marked as the model's most recently committed one.
   */
  void commitInstall(String model, String digest);

  /** Drops every journal entry of {@code model} (no longer desired). */
  void dropInstall(String model);

  /** Drops {@code entry} alone: an install that ended before its activation. */
  void endInstall(InstallEntry entry);

  /**
   * Refuses a version in one step: its journal entry goes (the install under way, or the trial),
   * {@code refusal} replaces the model's refused version, and, unless {@code keepActive}, the
   * model's active version becomes {@code activeNow}'s, or none when null.
   */
  void refuse(RefusedVersion refusal, boolean keepActive, InstalledBundle activeNow);

  /** Every version refused by the device itself, by model. */
  List<RefusedVersion> refusedVersions();

  /** Forgets the refused version of {@code model}: the hub has since asked for another. */
  void forgetRefusal(String model);

  /**
   * Every kept bundle with the instants garbage collection orders by, by model, then most recently
   * committed first, then most recently installed.
   */
  List<KeptBundle> keptBundles();

  /** Forgets a kept bundle before its file is deleted. */
  void forgetBundle(String digest);

  /**
   * Records a served prediction and counts it as served.
   *
   * @return its sequence number, higher than every earlier one
   */
  default long record(Prediction prediction) {
    return recordAll(List.of(prediction), 0, 0)[0];
  }

  /** Counts a failed inference request. */
  default void countFailure() {
    recordAll(List.of(), 0, 1);
  }

  /**
   * Records {@code predictions} in one transaction, with the counters that go with them: each
   * counts as served, and so do {@code unrecordedServed} requests answered without a record (a
   * capture policy sampled them out); {@code failed} failed requests are counted too. All of it is
   * stored, or none.
   *
   * @return the sequence number of each prediction, in order, each higher than every earlier one
   * @throws StoreFullException when neither the budget nor the disk leaves room
   */
  long[] recordAll(List<Prediction> predictions, long unrecordedServed, long failed);

  /** Up to {@code limit} predictions not yet acknowledged by the hub, oldest first. */
  default List<PredictionRecord> unsynced(int limit) {
    return unsynced(limit, Long.MAX_VALUE);
  }

  /**
   * Up to {@code limit} predictions not yet acknowledged by the hub, oldest first, stopping before
   * the one whose tensors' JSON would take the batch past {@code maxBytes} (the first is returned
   * whatever its size): captured inputs can make records large.
   */
  List<PredictionRecord> unsynced(int limit, long maxBytes);

  /**
   * Marks the predictions with sequences from {@code first} to {@code last} as acknowledged.
   *
   * @return how many were unsynced before
   */
  int markSynced(long first, long last);

  /**
   * Sets aside a prediction the hub refuses on its own merits, with the hub's reason: it is kept,
   * but no longer forwarded, so it cannot block the ones after it.
   *
   * @return whether it was pending
   */
  boolean markRejected(long sequence, String reason);

  Counters counters();

  /** The health counters saved last, one per model; see {@link #saveTallies}. */
  List<VersionTally> tallies();

  /**
   * Saves the health counters of every active version, replacing what was saved before: a model
   * missing from {@code tallies} loses its saved counters.
   */
  void saveTallies(List<VersionTally> tallies);

  /** The store's size against its budget, and its backlog. */
  StoreUsage usage();

  /**
   * Whether a full store makes room by deleting the oldest predictions the hub never got, once none
   * it has is left (a metered device, which keeps its newest), instead of refusing new ones.
   */
  default void keepNewestWhenFull(boolean keep) {
    throw new UnsupportedOperationException("this store always refuses when full");
  }

  /**
   * The most record bytes (their JSON) one {@link #recordAll} should carry, so that one transaction
   * stays within what the store's budget leaves its journal; a single larger record is still taken.
   */
  default long writeLimitBytes() {
    return Long.MAX_VALUE;
  }

  /**
   * After the store was found full: makes what room it can (deleting predictions the hub already
   * has) and says whether a few records would fit now.
   *
   * @throws StoreException when the store cannot be read
   */
  default boolean hasRoom() {
    return true;
  }

  @Override
  void close();
}
