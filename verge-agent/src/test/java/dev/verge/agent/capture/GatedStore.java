package dev.verge.agent.capture;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.Identity;
import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.InstalledBundle;
import dev.verge.agent.store.KeptBundle;
import dev.verge.agent.store.ModelState;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.agent.store.StoreUsage;
import dev.verge.agent.store.VersionTally;
import dev.verge.core.api.PredictionRecord;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A real store with a hand on its batch writes: it counts them, can hold them at a gate until the
 * test opens it, and can fail the next ones with a chosen failure.
 */
final class GatedStore implements AgentStore {
  private final AgentStore store;
  final AtomicInteger transactions = new AtomicInteger();
  final AtomicInteger failuresLeft = new AtomicInteger();
  final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile CountDownLatch gate = new CountDownLatch(0);
  final CountDownLatch entered = new CountDownLatch(1);

  GatedStore(AgentStore store) {
    this.store = store;
  }

  /** Holds every batch write from now on until {@link #open} is called. */
  void hold() {
    gate = new CountDownLatch(1);
  }

  void open() {
    gate.countDown();
  }

  /** Fails the next {@code count} batch writes with {@code e}. */
  void failNext(int count, Throwable e) {
    failure.set(e);
    failuresLeft.set(count);
  }

  @Override
  public long[] recordAll(List<Prediction> predictions, long unrecordedServed, long failed) {
    entered.countDown();
    try {
      if (!gate.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("the test never opened the gate");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (failuresLeft.getAndDecrement() > 0) {
      Throwable e = failure.get();
      if (e instanceof Error error) {
        throw error;
      }
      throw (RuntimeException) e;
    }
    long[] sequences = store.recordAll(predictions, unrecordedServed, failed);
    transactions.incrementAndGet();
    return sequences;
  }

  @Override
  public Optional<Identity> identity() {
    return store.identity();
  }

  @Override
  public void saveIdentity(Identity identity) {
    store.saveIdentity(identity);
  }

  @Override
  public List<ModelState> models() {
    return store.models();
  }

  @Override
  public Optional<ModelState> model(String name) {
    return store.model(name);
  }

  @Override
  public void activate(InstalledBundle bundle) {
    store.activate(bundle);
  }

  @Override
  public void deactivate(String model) {
    store.deactivate(model);
  }

  @Override
  public List<InstalledBundle> bundles() {
    return store.bundles();
  }

  @Override
  public List<InstallEntry> installs() {
    return store.installs();
  }

  @Override
  public Optional<InstallEntry> install(String model) {
    return store.install(model);
  }

  @Override
  public void saveInstall(InstallEntry entry, InstalledBundle bundle) {
    store.saveInstall(entry, bundle);
  }

  @Override
  public void saveTrialProgress(InstallEntry entry) {
    store.saveTrialProgress(entry);
  }

  @Override
  public void activateOnTrial(InstalledBundle bundle, InstallEntry entry) {
    store.activateOnTrial(bundle, entry);
  }

  @Override
  public void commitInstall(String model, String digest) {
    store.commitInstall(model, digest);
  }

  @Override
  public void dropInstall(String model) {
    store.dropInstall(model);
  }

  @Override
  public void endInstall(InstallEntry entry) {
    store.endInstall(entry);
  }

  @Override
  public void refuse(RefusedVersion refusal, boolean keepActive, InstalledBundle activeNow) {
    store.refuse(refusal, keepActive, activeNow);
  }

  @Override
  public List<RefusedVersion> refusedVersions() {
    return store.refusedVersions();
  }

  @Override
  public void forgetRefusal(String model) {
    store.forgetRefusal(model);
  }

  @Override
  public List<KeptBundle> keptBundles() {
    return store.keptBundles();
  }

  @Override
  public void forgetBundle(String digest) {
    store.forgetBundle(digest);
  }

  @Override
  public List<PredictionRecord> unsynced(int limit, long maxBytes) {
    return store.unsynced(limit, maxBytes);
  }

  @Override
  public int markSynced(long first, long last) {
    return store.markSynced(first, last);
  }

  @Override
  public boolean markRejected(long sequence, String reason) {
    return store.markRejected(sequence, reason);
  }

  @Override
  public Counters counters() {
    return store.counters();
  }

  @Override
  public List<VersionTally> tallies() {
    return store.tallies();
  }

  @Override
  public void saveTallies(List<VersionTally> tallies) {
    store.saveTallies(tallies);
  }

  @Override
  public StoreUsage usage() {
    return store.usage();
  }

  @Override
  public long writeLimitBytes() {
    return store.writeLimitBytes();
  }

  @Override
  public boolean hasRoom() {
    return store.hasRoom();
  }

  @Override
  public void close() {
    store.close();
  }

  @Override
  public void serveBeside(InstalledBundle bundle, long deploymentId) {
    store.serveBeside(bundle, deploymentId);
  }

  @Override
  public void stopBeside(String model, long version) {
    store.stopBeside(model, version);
  }

  @Override
  public List<dev.verge.agent.store.BesideVersion> besideVersions() {
    return store.besideVersions();
  }
}
