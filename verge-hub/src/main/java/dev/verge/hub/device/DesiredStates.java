package dev.verge.hub.device;

import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.bundle.Digests;
import dev.verge.core.json.CanonicalJson;
import dev.verge.hub.HubException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What each device should run, as the rollouts give it (per model, the winning deployment that has
 * released it to the device), with a revision for ETags and long polls.
 *
 * <p>The state is read from the database, and its revision remembered in {@link DesiredChanges}
 * until a signal says it may have changed: a poll whose ETag is the remembered revision is answered
 * {@link Answer.Unchanged} without touching the database, and a long poll waits for a signal
 * without re-reading. While remembered revisions are not trusted (a PostgreSQL hub that lost its
 * link to the other hubs' changes), every poll reads, and waiting polls re-read every {@link
 * #REREAD_INTERVAL}.
 */
public final class DesiredStates implements AutoCloseable {
  public static final int MAX_WAIT_SECONDS = 60;

  /**
   * How often a waiting poll re-reads while remembered revisions are not trusted, so that changes
   * made by another hub still reach its devices.
   */
  static final Duration REREAD_INTERVAL = Duration.ofSeconds(2);

  /** A poll's answer: the state, or only its revision when the device already has it. */
  public sealed interface Answer {
    String revision();

    /** The device has this revision; nothing to send. */
    record Unchanged(String revision) implements Answer {}

    /** The device's state, which its ETag did not match. */
    record Changed(DesiredState state) implements Answer {
      @Override
      public String revision() {
        return state.revision();
      }
    }
  }

  private final DeviceStore devices;
  private final Function<Device, DesiredModels> models;
  private final DesiredChanges changes;
  private final long rereadNanos;

  /**
   * @param models per device, the models it should run (the rollouts' layered assignments)
   * @param changes signalled by whatever changes a device's assignments
   */
  public DesiredStates(
      DeviceStore devices, Function<Device, List<DesiredModel>> models, DesiredChanges changes) {
    this(devices, models, changes, REREAD_INTERVAL);
  }

  DesiredStates(
      DeviceStore devices,
      Function<Device, List<DesiredModel>> models,
      DesiredChanges changes,
      Duration reread) {
    this(devices, changes, reread, d -> new DesiredModels(models.apply(d), List.of()));
  }

  /**
   * Desired states with side-by-side versions.
   *
   * @param models per device, the models it should run and the versions to serve beside them
   */
  public static DesiredStates withSideBySide(
      DeviceStore devices, Function<Device, DesiredModels> models, DesiredChanges changes) {
    return new DesiredStates(devices, changes, REREAD_INTERVAL, models);
  }

  private DesiredStates(
      DeviceStore devices,
      DesiredChanges changes,
      Duration reread,
      Function<Device, DesiredModels> models) {
    this.devices = devices;
    this.models = models;
    this.changes = changes;
    this.rereadNanos = reread.toNanos();
  }

  /** The device's state, read from the database (its revision remembered). */
  public DesiredState current(String deviceId) {
    return read(changes.slot(deviceId), deviceId);
  }

  private DesiredState read(DesiredChanges.Slot slot, String deviceId) {
    long generation = slot.generation();
    long epoch = changes.epoch();
    Device device =
        devices.device(deviceId).orElseThrow(() -> new HubException.NoSuchDevice(deviceId));
    DesiredModels desired = models.apply(device);
    DesiredState state =
        new DesiredState(
            revision(desired.models(), desired.sideBySide()),
            desired.models(),
            desired.sideBySide());
    changes.remember(slot, generation, epoch, state.revision());
    return state;
  }

  /**
   * A poll: {@link Answer.Unchanged} while its revision is {@code known}, waiting up to {@code
   * wait} for a signal that changes that (zero: answer at once); {@link Answer.Changed} with the
   * state as soon as it is not known.
   */
  public Answer poll(String deviceId, Predicate<String> known, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      DesiredChanges.Slot slot = changes.slot(deviceId);
      // The latch first: a signal after this point wakes the wait below.
      CountDownLatch latch = slot.latch();
      String revision = changes.remembered(slot);
      if (revision == null || !known.test(revision)) {
        DesiredState state = read(slot, deviceId);
        if (!known.test(state.revision())) {
          return new Answer.Changed(state);
        }
        revision = state.revision();
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return new Answer.Unchanged(revision);
      }
      long nap = changes.trusted() ? left : Math.min(left, rereadNanos);
      if (changes.await(latch, nap)) {
        return new Answer.Unchanged(revision);
      }
    }
  }

  /** The first 16 hex digits of the SHA-256 of the models' canonical JSON. */
  static String revision(List<DesiredModel> models) {
    return Digests.sha256Hex(CanonicalJson.bytes(models)).substring(0, 16);
  }

  /**
   * As {@link #revision(List)} while no version is served side by side, so a hub that learnt them
   * changes no device's revision until it gets one.
   */
  static String revision(List<DesiredModel> models, List<DesiredModel> sideBySide) {
    if (sideBySide.isEmpty()) {
      return revision(models);
    }
    return Digests.sha256Hex(CanonicalJson.bytes(List.of(models, sideBySide))).substring(0, 16);
  }

  /** Ends every wait in {@link #await} now. */
  @Override
  public void close() {
    changes.close();
  }
}
