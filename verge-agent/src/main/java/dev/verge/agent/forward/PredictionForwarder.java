package dev.verge.agent.forward;

import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.internal.Bandwidth;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.sync.HubClient;
import dev.verge.agent.sync.HubException;
import dev.verge.agent.sync.HubLink;
import dev.verge.agent.sync.HubRefusedException;
import dev.verge.agent.sync.Sent;
import dev.verge.agent.sync.Upload;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Sends recorded predictions to the hub, oldest first, in batches. Each batch carries the
 * idempotency key {@code <deviceId>:<firstSequence>-<lastSequence>} and is marked synced only once
 * the hub acknowledged it, so an agent killed between the two sends it again, harmlessly: delivery
 * is at least once, the effect exactly once. The first failure ends a round; the next round
 * retries, after a back-off that doubles with each failed round in a row (with jitter, so a fleet
 * whose hub comes back does not return all at once) and starts over once a round forwards again.
 *
 * <p>Batches go gzip-compressed (falling back to plain JSON, once said, for a hub that answers 415)
 * and held to the upload cap; a capped link gets batches small enough to send within the request's
 * time-out. In {@link ForwardConfig.Mode#METERED} nothing is sent: the predictions stay on the
 * device, the reports carry the aggregates.
 */
public final class PredictionForwarder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PredictionForwarder.class.getName());

  /**
   * The most tensor JSON one batch carries, well under the hub's body limit (16 MiB), so that
   * records with captured inputs do not make every full batch a 413 to split.
   */
  static final long MAX_BATCH_BYTES = 4L * 1024 * 1024;

  /** On a capped link a batch carries at most this many seconds' worth of tensor JSON. */
  static final long CAPPED_BATCH_SECONDS = 10;

  /** ... but never less than this, so one record with captured inputs still fits. */
  static final long MIN_BATCH_BYTES = 64 * 1024;

  /** Failed rounds in a row wait the interval, then twice that, and so on up to this. */
  static final Duration MAX_BACKOFF = Duration.ofMinutes(2);

  private final AgentStore store;
  private final HubClient hub;
  private final String deviceId;
  private final int batchSize;
  private final Duration interval;
  private final ForwardMetrics metrics;
  private final ForwardConfig config;
  private final Bandwidth upload;
  private final long maxBatchBytes;
  private volatile boolean compressionRefused;
  private final HubLink link = new HubLink("forward");
  private final Backoff.Tries failedRounds;
  private final ReentrantLock flushing = new ReentrantLock();
  private volatile Thread thread;
  private volatile boolean closed;

  public PredictionForwarder(
      AgentStore store, HubClient hub, String deviceId, int batchSize, Duration interval) {
    this(store, hub, deviceId, batchSize, interval, ForwardMetrics.NONE);
  }

  public PredictionForwarder(
      AgentStore store,
      HubClient hub,
      String deviceId,
      int batchSize,
      Duration interval,
      ForwardMetrics metrics) {
    this(store, hub, deviceId, batchSize, interval, metrics, ForwardConfig.defaults());
  }

  public PredictionForwarder(
      AgentStore store,
      HubClient hub,
      String deviceId,
      int batchSize,
      Duration interval,
      ForwardMetrics metrics,
      ForwardConfig config) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be 1 or more, got " + batchSize);
    }
    this.store = store;
    this.hub = hub;
    this.deviceId = deviceId;
    this.batchSize = batchSize;
    this.interval = interval;
    this.metrics = metrics;
    this.config = config;
    this.upload = Bandwidth.of(config.maxUploadRate());
    this.maxBatchBytes =
        upload.limited()
            ? Math.max(
                MIN_BATCH_BYTES,
                Math.min(MAX_BATCH_BYTES, upload.bytesPerSecond() * CAPPED_BATCH_SECONDS))
            : MAX_BATCH_BYTES;
    this.failedRounds =
        new Backoff(interval, interval.compareTo(MAX_BACKOFF) > 0 ? interval : MAX_BACKOFF).tries();
  }

  public ForwardConfig config() {
    return config;
  }

  /** The idempotency key of a batch: the device and the sequences it spans. */
  public static String idempotencyKey(String deviceId, long first, long last) {
    return deviceId + ":" + first + "-" + last;
  }

  /**
   * Forwards every pending prediction now, until none is left or the hub fails a batch.
   *
   * <p>A batch the hub refuses for its content (400, 413, 422) is split in halves until the refused
   * record stands alone; that record is then set aside in the store with the hub's reason, and
   * forwarding goes on. Any other failure (the hub down, a wrong credential) ends the round.
   */
  public ForwardOutcome flush() {
    if (config.mode() == ForwardConfig.Mode.METERED) {
      return new ForwardOutcome.Held(store.counters().pending());
    }
    flushing.lock();
    try {
      int forwarded = 0;
      int size = batchSize;
      while (true) {
        List<PredictionRecord> batch = store.unsynced(size, maxBatchBytes);
        if (batch.isEmpty()) {
          return new ForwardOutcome.Drained(forwarded);
        }
        long first = batch.getFirst().sequence();
        long last = batch.getLast().sequence();
        try {
          Sent sent = send(idempotencyKey(deviceId, first, last), new PredictionBatch(batch));
          metrics.uploaded(sent.jsonBytes(), sent.wireBytes());
          link.reached();
        } catch (HubException e) {
          if (!(e instanceof HubRefusedException refused && refusesContent(refused))) {
            link.failed(e);
            return new ForwardOutcome.Stopped(forwarded, e.getMessage());
          }
          if (batch.size() > 1) {
            size = Math.max(1, batch.size() / 2);
          } else {
            if (store.markRejected(first, refused.status() + ": " + refused.getMessage())) {
              metrics.setAside(1);
            }
            LOG.log(
                System.Logger.Level.ERROR,
                "the hub refused prediction {0} ({1}); it is kept in the store but no longer"
                    + " forwarded",
                first,
                refused.getMessage());
          }
          continue;
        }
        metrics.forwarded(store.markSynced(first, last));
        forwarded += batch.size();
      }
    } finally {
      flushing.unlock();
    }
  }

  /** One batch, compressed unless the hub said it takes no compressed bodies. */
  private Sent send(String key, PredictionBatch batch) {
    Upload how = new Upload(config.compress() && !compressionRefused, upload);
    try {
      return hub.sendPredictions(key, batch, how);
    } catch (HubRefusedException e) {
      if (!how.compress() || e.status() != 415) {
        throw e;
      }
      compressionRefused = true;
      LOG.log(
          System.Logger.Level.WARNING,
          "the hub takes no compressed batches ({0}); predictions go uncompressed from now on",
          e.getMessage());
      return hub.sendPredictions(key, batch, how.uncompressed());
    }
  }

  private static boolean refusesContent(HubRefusedException e) {
    return e.status() == 400 || e.status() == 413 || e.status() == 422;
  }

  /** Starts forwarding every interval in the background. */
  public void start() {
    thread = Thread.ofVirtual().name("verge-forward").start(this::run);
  }

  private void run() {
    Duration wait = interval;
    while (!closed) {
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        return;
      }
      ForwardOutcome outcome = null;
      try {
        outcome = flush();
      } catch (Throwable e) {
        // Error included: one failed round must not end forwarding for good.
        LOG.log(System.Logger.Level.ERROR, "forwarding failed: " + e, e);
      }
      wait = nextWait(outcome);
    }
  }

  /**
   * The wait before the next round after {@code outcome} (null: the round threw): the interval
   * after a round that drained; after a failed one the back-off, started over when it forwarded
   * some before it failed.
   */
  Duration nextWait(ForwardOutcome outcome) {
    if (outcome != null && outcome.forwarded() > 0) {
      failedRounds.reset();
    }
    if (outcome instanceof ForwardOutcome.Drained || outcome instanceof ForwardOutcome.Held) {
      failedRounds.reset();
      return interval;
    }
    return failedRounds.failed();
  }

  /** Stops the background loop; pending predictions stay in the store for the next start. */
  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(thread, "forwarder");
  }
}
