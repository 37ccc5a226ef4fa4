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
 * released it to the device), with a revision for ETags and long polls. Read from the database on
 * every call, so any number of hubs sharing one database agree.
 */
public final class DesiredStates implements AutoCloseable {
  public static final int MAX_WAIT_SECONDS = 60;

  /**
   * How often a waiting poll re-reads without a signal: changes made by another hub sharing the
   * database reach its devices within this.
   */
  static final Duration REREAD_INTERVAL = Duration.ofSeconds(2);

  private final DeviceStore devices;
  private final Function<Device, DesiredModels> models;
  private final DesiredChanges changes;
  private final long rereadNanos;

  /**
   * @param models per device, the models it should run (the rollouts' layered assignments)
   * @param changes signalled by whatever changes a device's assignments in this hub
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

  public DesiredState current(String deviceId) {
    Device device =
        devices.device(deviceId).orElseThrow(() -> new HubException.NoSuchDevice(deviceId));
    DesiredModels desired = models.apply(device);
    return new DesiredState(
        revision(desired.models(), desired.sideBySide()), desired.models(), desired.sideBySide());
  }

  /**
   * The desired state once its revision is no longer {@code known}, re-reading it when {@link
   * DesiredChanges} signals the device (and every {@link #REREAD_INTERVAL} regardless) for at most
   * {@code wait}; then the current state, which may still be known.
   */
  public DesiredState await(String deviceId, Predicate<String> known, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    CountDownLatch latch = changes.latch(deviceId);
    DesiredState state = current(deviceId);
    while (known.test(state.revision())) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || changes.await(latch, Math.min(left, rereadNanos))) {
        break;
      }
      latch = changes.latch(deviceId);
      state = current(deviceId);
    }
    return state;
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
