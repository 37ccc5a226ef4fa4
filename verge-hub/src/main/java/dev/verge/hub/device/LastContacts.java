package dev.verge.hub.device;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each device last called the hub, kept in memory and written to the {@link DeviceStore} in
 * one transaction every {@link #FLUSH_INTERVAL} by a background thread, so that a device's call
 * costs no write of its own. This hub's reads ({@link #latest}) see a contact at once; the database
 * (and so another hub sharing it) lags by at most one interval, plus the time of a failed write,
 * which is retried on the next tick. {@link #close} writes what is left.
 */
public final class LastContacts implements AutoCloseable {
  public static final Duration FLUSH_INTERVAL = Duration.ofSeconds(1);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
  private static final System.Logger LOG = System.getLogger(LastContacts.class.getName());

  private final DeviceStore store;
  private final Duration interval;
  private final Map<String, Instant> pending = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicLong failedFlushes = new AtomicLong();
  private final Thread flusher;

  private LastContacts(DeviceStore store, Duration interval) {
    this.store = store;
    this.interval = interval;
    this.flusher = Thread.ofPlatform().name("verge-hub-last-contact").daemon().unstarted(this::run);
  }

  /** Starts the background writer, flushing every {@code interval}. */
  public static LastContacts start(DeviceStore store, Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the flush interval must be positive, got " + interval);
    }
    LastContacts contacts = new LastContacts(Objects.requireNonNull(store), interval);
    contacts.flusher.start();
    return contacts;
  }

  /** Notes a call from the device; never moves its last contact back. */
  public void seen(String deviceId, Instant at) {
    pending.merge(deviceId, at, LastContacts::later);
  }

  /** The later of {@code stored} (may be null) and a contact not written yet. */
  public Instant latest(String deviceId, Instant stored) {
    Instant unwritten = pending.get(deviceId);
    return unwritten == null ? stored : stored == null ? unwritten : later(stored, unwritten);
  }

  /** How many flushes failed since start (each is logged and retried). */
  public long failedFlushes() {
    return failedFlushes.get();
  }

  /**
   * Writes every contact noted so far, in one transaction; one flush at a time (the writer's, or a
   * reader's that must see the latest contacts), so that two never update the same rows at once.
   */
  synchronized void flush() {
    if (pending.isEmpty()) {
      return;
    }
    Map<String, Instant> batch = new HashMap<>(pending);
    store.touchDevices(batch);
    // Only what was written leaves; a contact noted meanwhile stays for the next flush.
    batch.forEach(pending::remove);
  }

  private void run() {
    while (!waitForTick()) {
      try {
        flush();
      } catch (Throwable e) { // One failed write must not end the writer; the next tick retries.
        failedFlushes.incrementAndGet();
        LOG.log(
            System.Logger.Level.ERROR,
            "cannot save the devices' last contact times ("
                + pending.size()
                + " waiting); retrying in "
                + interval.toMillis()
                + " ms",
            e);
      }
    }
  }

  /** Waits one interval; true when closing. */
  private boolean waitForTick() {
    try {
      return closing.await(interval.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      return true;
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  /** Stops the writer and writes what is left. */
  @Override
  public void close() {
    closing.countDown();
    try {
      flusher.join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      flush();
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.ERROR,
          "cannot save the last contact times of " + pending.size() + " device(s) on close",
          e);
    }
  }
}
