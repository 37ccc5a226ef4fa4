package dev.verge.hub.telemetry;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hub's upkeep of stored predictions: a round of {@link TelemetryStore#maintain} (day
 * partitions ahead, retention) when the hub starts, so that partitions exist before the first
 * batch, then every {@link #INTERVAL} on a background thread. A round that fails is logged and
 * counted and the thread goes on; the next round picks up where the store stands (an insert never
 * waits for a partition: PostgreSQL's default partition takes what no day partition covers).
 */
public final class PredictionMaintenance implements AutoCloseable {
  public static final Duration INTERVAL = Duration.ofMinutes(15);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
  private static final System.Logger LOG = System.getLogger(PredictionMaintenance.class.getName());

  private final TelemetryStore store;
  private final Clock clock;
  private final Duration retention;
  private final Duration interval;
  private final CountDownLatch closing = new CountDownLatch(1);
  private final AtomicLong rounds = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong deleted = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final Thread worker;

  private PredictionMaintenance(
      TelemetryStore store, Clock clock, Duration retention, Duration interval) {
    this.store = Objects.requireNonNull(store);
    this.clock = Objects.requireNonNull(clock);
    this.retention = retention;
    this.interval = interval;
    this.worker =
        Thread.ofPlatform().name("verge-hub-prediction-upkeep").daemon().unstarted(this::loop);
  }

  /**
   * Runs one round now, then one every {@code interval} until {@link #close}.
   *
   * @param retention how long predictions are kept, by their own time; zero keeps them all
   */
  public static PredictionMaintenance start(
      TelemetryStore store, Clock clock, Duration retention, Duration interval) {
    if (retention == null || retention.isNegative()) {
      throw new IllegalArgumentException(
          "prediction retention must be zero (keep all) or more, got " + retention);
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("the upkeep interval must be positive, got " + interval);
    }
    PredictionMaintenance upkeep = new PredictionMaintenance(store, clock, retention, interval);
    upkeep.runSafely();
    upkeep.worker.start();
    return upkeep;
  }

  /** One round, now; what it did. Failures are the store's ({@code HubException}). */
  public Maintained runOnce() {
    Maintained outcome = store.maintain(clock.instant(), retention);
    rounds.incrementAndGet();
    if (outcome instanceof Maintained.Done done) {
      deleted.addAndGet(done.rowsDeleted());
      dropped.addAndGet(done.partitionsDropped());
      if (done.partitionsCreated() + done.partitionsDropped() > 0 || done.rowsDeleted() > 0) {
        LOG.log(
            System.Logger.Level.INFO,
            "predictions upkeep: {0} day partition(s) created, {1} dropped, {2} row(s) deleted",
            String.valueOf(done.partitionsCreated()),
            String.valueOf(done.partitionsDropped()),
            String.valueOf(done.rowsDeleted()));
      }
    }
    return outcome;
  }

  /** Rounds that failed since start (each logged; the next round retries). */
  public long failures() {
    return failures.get();
  }

  /** Rounds that ran to the end, whether they did the work or another hub was doing it. */
  public long rounds() {
    return rounds.get();
  }

  /** Predictions deleted row by row since start. */
  public long rowsDeleted() {
    return deleted.get();
  }

  /** Day partitions dropped since start. */
  public long partitionsDropped() {
    return dropped.get();
  }

  private void loop() {
    while (!waitForTick()) {
      runSafely();
    }
  }

  private void runSafely() {
    try {
      runOnce();
    } catch (Throwable e) { // One failed round must not end the upkeep; the next one retries.
      failures.incrementAndGet();
      LOG.log(
          System.Logger.Level.ERROR,
          "predictions upkeep (partitions, retention) failed; retrying in "
              + interval.toMillis()
              + " ms",
          e);
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

  @Override
  public void close() {
    closing.countDown();
    try {
      worker.join(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
