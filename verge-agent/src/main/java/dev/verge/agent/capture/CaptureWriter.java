package dev.verge.agent.capture;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that writes captured predictions: it takes whatever waits in the queue (up to the
 * configured batch of records, {@link #MAX_BATCH_BYTES} of JSON or what the store says one
 * transaction may carry), encodes it, and commits it in one transaction, synced to disk, with the
 * counters gathered since the last. In {@code buffered} mode it first gathers for up to the
 * configured window after the first record, unless the batch fills sooner: without that pause a
 * steady stream of requests costs one fsynced commit each (at a few thousand requests a second on
 * two cores the writer took as much CPU as the model). Records committed synchronously are written
 * without waiting, with whatever waits beside them, so a synchronous answer waits about one commit.
 *
 * <p>A round that fails, Error included, is reported and retried ({@link #MAX_ATTEMPTS} times, then
 * its records are dropped and counted). A full store is retried with fewer records at a time, then
 * every {@link #FULL_RETRY}, until forwarding makes room (pruning what the hub has), while new
 * records are refused (see {@link PredictionCapture#full}) and those already answered wait; with
 * nothing left to write, the writer asks the store every {@link #FULL_RETRY} whether it has room
 * again, so that refusing (and readiness) ends once forwarding made some. The loop itself ends only
 * when capture closes and the queue is empty.
 */
final class CaptureWriter implements Runnable {
  static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;
  static final int MAX_ATTEMPTS = 3;
  static final Duration FULL_RETRY = Duration.ofMillis(200);

  /** How long the writer waits for a record before it writes the counters gathered alone. */
  static final Duration IDLE_POLL = Duration.ofMillis(100);

  private static final System.Logger LOG = System.getLogger(CaptureWriter.class.getName());

  private final AgentStore store;
  private final BlockingQueue<Pending> queue;
  private final Ledger ledger;
  private final CaptureMetrics metrics;
  private final PredictionCapture owner;
  private final long gatherNanos;
  private final int maxBatch;
  private final long maxBatchBytes;

  /** Whether an idle writer waits for the next record with no time-out (asleep between cycles). */
  private final boolean untimedIdle;

  /** Records taken from the queue and not written yet, with their encoded form. */
  private final List<Pending> backlog = new ArrayList<>();

  private final List<Prediction> encoded = new ArrayList<>();

  /** How many of the backlog the next write takes: halved by a full store, doubled back. */
  private int chunk;

  private int attempts;

  CaptureWriter(
      AgentStore store,
      BlockingQueue<Pending> queue,
      Ledger ledger,
      CaptureMetrics metrics,
      PredictionCapture owner,
      Duration gather,
      int maxBatch,
      boolean untimedIdle) {
    this.store = store;
    this.untimedIdle = untimedIdle;
    this.gatherNanos = gather.toNanos();
    this.maxBatch = maxBatch;
    this.chunk = maxBatch;
    this.maxBatchBytes = Math.max(1, Math.min(MAX_BATCH_BYTES, store.writeLimitBytes()));
    this.queue = queue;
    this.ledger = ledger;
    this.metrics = metrics;
    this.owner = owner;
  }

  @Override
  public void run() {
    while (true) {
      try {
        if (!round()) {
          return;
        }
      } catch (Throwable e) {
        // Error included: one failed round must not end capture for good.
        metrics.writerFailed();
        LOG.log(System.Logger.Level.ERROR, "prediction capture failed a round: " + e, e);
        pause(Duration.ofMillis(100));
      }
    }
  }

  /** One batch, or the counters alone when idle; false once closed with nothing left. */
  private boolean round() throws InterruptedException {
    if (backlog.isEmpty() && owner.full() && queue.isEmpty() && !owner.closing()) {
      if (room()) {
        owner.roomAgain();
      } else {
        pause(FULL_RETRY);
      }
      return true;
    }
    if (backlog.isEmpty()) {
      Pending first;
      if (owner.closing()) {
        first = queue.poll();
      } else if (untimedIdle) {
        owner.awaitRecord();
        first = queue.poll();
      } else {
        first = queue.poll(IDLE_POLL.toMillis(), TimeUnit.MILLISECONDS);
      }
      if (first == null) {
        if (ledger.owesCounts()) {
          long began = System.nanoTime();
          ledger.writeCounts(store);
          metrics.committed(0, Duration.ofNanos(System.nanoTime() - began), Duration.ZERO);
        }
        return !(owner.closing() && queue.isEmpty());
      }
      long bytes = 0;
      long gatherUntil = System.nanoTime() + gatherNanos;
      for (Pending p = first; p != null; p = next(backlog.size(), bytes, gatherUntil)) {
        Prediction prediction = encode(p);
        if (prediction != null) {
          backlog.add(p);
          encoded.add(prediction);
          bytes += prediction.outputsJson().length();
          bytes += prediction.inputsJson() == null ? 0 : prediction.inputsJson().length();
        }
      }
      if (backlog.isEmpty()) {
        return true;
      }
    }
    int n = Math.min(chunk, backlog.size());
    List<Pending> part = backlog.subList(0, n);
    List<Prediction> partEncoded = encoded.subList(0, n);
    try {
      write(List.copyOf(part), List.copyOf(partEncoded));
      part.clear();
      partEncoded.clear();
      attempts = 0;
      chunk = Math.min(maxBatch, chunk * 2);
      if (backlog.isEmpty()) {
        owner.roomAgain();
      }
    } catch (StoreFullException full) {
      owner.markFull(full);
      refuseWaiting(full);
      if (owner.closing()) {
        drop(backlog, "closed", full);
        clearBacklog();
      } else if (n > 1) {
        chunk = Math.max(1, n / 2); // what fits may be less than the whole backlog
      } else {
        pause(FULL_RETRY);
      }
    } catch (Throwable e) {
      metrics.writerFailed();
      attempts++;
      if (attempts >= MAX_ATTEMPTS || owner.closing()) {
        LOG.log(
            System.Logger.Level.ERROR,
            "cannot record " + n + " predictions after " + attempts + " attempts; dropped: " + e,
            e);
        drop(List.copyOf(part), "capture_failed", e);
        part.clear();
        partEncoded.clear();
        attempts = 0;
      } else {
        LOG.log(
            System.Logger.Level.WARNING,
            "cannot record " + n + " predictions (attempt " + attempts + "), retrying: " + e);
        pause(Duration.ofMillis(100L * attempts));
      }
    }
    return true;
  }

  /** Whether the full store has room again; a store that cannot even be read has none. */
  private boolean room() {
    try {
      return store.hasRoom();
    } catch (StoreException e) {
      // Reported already: the store was found full, and the gauge and readiness say so.
      return false;
    }
  }

  private void clearBacklog() {
    backlog.clear();
    encoded.clear();
  }

  /**
   * The next record for this batch. When none waits before {@code gatherUntil}, the writer sleeps
   * until then, or until the rest of its batch waits, rather than waiting on the queue: a writer
   * waiting there is woken by every record put in, a context switch per request, which on a small
   * virtual machine costs more than the record itself.
   */
  private Pending next(int count, long bytes, long gatherUntil) {
    if (count >= maxBatch || bytes >= maxBatchBytes) {
      return null;
    }
    Pending now = queue.poll();
    if (now != null || owner.closing() || waitsForCommit()) {
      return now;
    }
    if (gatherUntil - System.nanoTime() <= 0) {
      return null;
    }
    owner.gather(gatherUntil, maxBatch - count);
    return queue.poll();
  }

  /** Whether a request of this batch is waiting for its commit (sync mode): no more gathering. */
  private boolean waitsForCommit() {
    return !backlog.isEmpty() && backlog.getLast().done() != null;
  }

  /** The record as the store keeps it; null (and dropped, counted) when it cannot be encoded. */
  private Prediction encode(Pending p) {
    try {
      RecordEncoder.Encoded e =
          RecordEncoder.encode(
              p.outputs(), p.outputsJson(), p.inputs(), p.inputsJson(), p.maxRecordBytes());
      if (e.omitted() || p.outputsJson() != null || p.inputsJson() != null) {
        metrics.dataOmitted();
      }
      String outputs = e.outputsJson();
      String inputs = e.inputsJson();
      return new Prediction(
          p.time(), p.model(), p.version(), p.latencyMicros(), p.requestId(), outputs, inputs);
    } catch (Throwable e) {
      metrics.writerFailed();
      LOG.log(
          System.Logger.Level.ERROR,
          "cannot encode a prediction of " + p.model() + " v" + p.version() + "; dropped: " + e,
          e);
      drop(List.of(p), "capture_failed", e);
      return null;
    }
  }

  private void write(List<Pending> batch, List<Prediction> predictions) {
    long[] sequences;
    long began;
    ledger.lock.lock();
    try {
      began = System.nanoTime();
      long unrecorded = ledger.unrecordedServed.getAndSet(0);
      long failed = ledger.failed.getAndSet(0);
      try {
        sequences = store.recordAll(predictions, unrecorded, failed);
      } catch (Throwable e) {
        ledger.unrecordedServed.addAndGet(unrecorded);
        ledger.failed.addAndGet(failed);
        throw e;
      }
      ledger.settle(batch.size());
    } finally {
      ledger.lock.unlock();
    }
    long now = System.nanoTime();
    long oldest = now;
    for (Pending p : batch) {
      oldest = Math.min(oldest, p.capturedNanos());
    }
    metrics.committed(batch.size(), Duration.ofNanos(now - began), Duration.ofNanos(now - oldest));
    // The batch's slots back at once: a request waiting for room wakes once, not per record.
    owner.release(batch);
    for (int i = 0; i < batch.size(); i++) {
      Pending p = batch.get(i);
      if (p.done() != null) {
        p.done().complete(sequences[i]);
      }
    }
  }

  /**
   * After a full store: the synchronous requests waiting are refused now (their records go with
   * them, as they were never answered); records already answered stay for the next attempt.
   */
  private void refuseWaiting(Throwable full) {
    int refused = 0;
    for (int i = backlog.size() - 1; i >= 0; i--) {
      Pending p = backlog.get(i);
      if (p.done() != null) {
        backlog.remove(i);
        encoded.remove(i);
        owner.release(p);
        p.done().completeExceptionally(full);
        refused++;
      }
    }
    ledger.settle(refused);
  }

  private void drop(List<Pending> records, String reason, Throwable cause) {
    if (records == null || records.isEmpty()) {
      return;
    }
    int answered = 0;
    for (Pending p : records) {
      owner.release(p);
      if (p.done() == null) {
        answered++;
      } else {
        p.done().completeExceptionally(cause);
      }
    }
    // Answered requests stay served though unrecorded; refused synchronous ones were not served.
    ledger.lock.lock();
    try {
      ledger.unrecordedServed.addAndGet(answered);
      ledger.settle(records.size());
    } finally {
      ledger.lock.unlock();
    }
    metrics.dropped(reason, answered);
  }

  private void pause(Duration duration) {
    owner.sleepUnlessClosing(duration);
  }
}
