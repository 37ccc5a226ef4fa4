package dev.verge.hub.device;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What this hub knows of each device's desired state without asking the database: the revision it
 * last read, valid until the next signal, and a latch that a signal opens for the device's waiting
 * long polls. Per device: a signal wakes only that device's polls and forgets only its revision.
 *
 * <p>A revision read from the database is remembered only if no signal came since the read began
 * ({@link Slot#generation} did not move), so a change committed while a poll was reading is never
 * hidden behind the older revision. Signals must come after the change is committed.
 *
 * <p>Remembered revisions are used only while {@link #trusted}: on SQLite always (one hub owns the
 * file); on PostgreSQL while this hub listens to the other hubs' changes, which {@code
 * PostgresChangeListener} turns into {@link #signal} and, after a gap in listening, {@link
 * #forgetAll}.
 */
public final class DesiredChanges {
  /** Devices remembered before the map is emptied and starts again (about 150 bytes each). */
  static final int DEFAULT_MAX_DEVICES = 2_000_000;

  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  private final int maxDevices;
  private final AtomicLong epoch = new AtomicLong();
  private volatile boolean trusted = true;
  private volatile boolean closed;

  public DesiredChanges() {
    this(DEFAULT_MAX_DEVICES);
  }

  DesiredChanges(int maxDevices) {
    this.maxDevices = maxDevices;
  }

  /** One device: its signal count, its remembered revision and its waiting polls' latch. */
  static final class Slot {
    private final AtomicLong generation = new AtomicLong();
    private volatile Remembered remembered;
    private volatile CountDownLatch latch = new CountDownLatch(1);

    private record Remembered(String revision, long generation, long epoch) {}

    long generation() {
      return generation.get();
    }

    CountDownLatch latch() {
      return latch;
    }
  }

  /** The device's desired state may differ from what this hub last read. Call after committing. */
  public void signal(String deviceId) {
    Slot slot = slots.get(deviceId);
    if (slot == null) {
      return; // Nothing remembered, nobody waiting: the next read is fresh anyway.
    }
    CountDownLatch open;
    synchronized (slot) { // Two signals at once must not leave a latch nobody opens.
      slot.generation.incrementAndGet();
      slot.remembered = null;
      open = slot.latch;
      slot.latch = new CountDownLatch(1);
    }
    open.countDown();
  }

  /**
   * Forgets every remembered revision and wakes every waiting poll to read again: after a change
   * that may touch any device (a rollout's phase), or a gap in hearing the other hubs.
   */
  public void forgetAll() {
    epoch.incrementAndGet();
    slots.keySet().forEach(this::signal);
  }

  /** Whether remembered revisions may answer polls (see the class comment). */
  public void trusted(boolean value) {
    if (!value) {
      epoch.incrementAndGet();
    }
    trusted = value;
  }

  boolean trusted() {
    return trusted && !closed;
  }

  /** The device's slot; take it (and its generation and latch) before reading the state. */
  Slot slot(String deviceId) {
    Slot slot = slots.get(deviceId);
    if (slot != null) {
      return slot;
    }
    if (slots.size() >= maxDevices) {
      // Rare (more devices than the cap): start again. Waiting polls wake, read and wait on the
      // new slots; the next poll of every device reads the database once.
      forgetAll();
      slots.clear();
    }
    return slots.computeIfAbsent(deviceId, id -> new Slot());
  }

  /** The current epoch, to pass to {@link #remember} with the generation a read began at. */
  long epoch() {
    return epoch.get();
  }

  /** Keeps {@code revision}, read since {@code generation} and {@code epoch}, unless outdated. */
  void remember(Slot slot, long generation, long epochAtRead, String revision) {
    if (slot.generation.get() == generation && epoch.get() == epochAtRead && trusted()) {
      slot.remembered = new Slot.Remembered(revision, generation, epochAtRead);
    }
  }

  /** The remembered revision, or null when there is none, a signal came since, or not trusted. */
  String remembered(Slot slot) {
    Slot.Remembered r = slot.remembered;
    if (r == null
        || !trusted()
        || r.generation() != slot.generation.get()
        || r.epoch() != epoch.get()) {
      return null;
    }
    return r.revision();
  }

  /**
   * Waits for a signal on {@code latch}, at most {@code nanos}.
   *
   * @return true when waiting should end for good: closing, or interrupted
   */
  boolean await(CountDownLatch latch, long nanos) {
    if (closed) {
      return true;
    }
    try {
      latch.await(nanos, TimeUnit.NANOSECONDS);
      return closed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  /** Ends every wait now, and every later one at once. */
  void close() {
    closed = true;
    slots.values().forEach(s -> s.latch.countDown());
  }
}
