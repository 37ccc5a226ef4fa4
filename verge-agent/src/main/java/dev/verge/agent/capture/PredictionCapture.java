package dev.verge.agent.capture;

import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.StoreBusyException;
import dev.verge.agent.store.StoreException;
import dev.verge.agent.store.StoreFullException;
import dev.verge.core.oip.Tensor;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleSupplier;

/**
 * Records answered predictions off the request's critical path: a request applies its model's
 * {@link CapturePolicy} (sampling, inputs, size cap) and hands the record to a bounded queue; one
 * {@link CaptureWriter} thread encodes the records and commits many of them per SQLite transaction
 * (group commit).
 *
 * <p>Every commit is synced to disk, so a kill and a power cut lose the same. Loss window in {@link
 * CaptureConfig.Mode#BUFFERED}: the records answered and not yet committed: never more than {@link
 * CaptureConfig#queueCapacity()} (a record holds its slot until it is committed) and, while the
 * writer keeps up, only those answered within the last {@link CaptureConfig#window()} plus the
 * commit in progress. In {@link CaptureConfig.Mode#SYNC} a request returns once its record is
 * committed and synced to disk: nothing answered is lost. A full store refuses requests whose
 * record it could not take, from the moment the writer finds it full until it has room again;
 * records answered before that are kept in memory and written once there is room.
 */
public final class PredictionCapture implements AutoCloseable {
  /** The most heap the records waiting in the queue may hold, whatever their count. */
  static final int MAX_QUEUED_KIB = 32 * 1024;

  /** How long a request waits for room in the queue, or for its synchronous commit. */
  static final Duration WAIT_LIMIT = Duration.ofSeconds(10);

  private static final Duration WAIT_SLICE = Duration.ofMillis(50);

  /** How long {@link #close} lets the writer empty the queue. */
  static final Duration CLOSE_LIMIT = Duration.ofSeconds(10);

  private static final System.Logger LOG = System.getLogger(PredictionCapture.class.getName());

  private final AgentStore store;
  private final CaptureConfig config;
  private final CaptureMetrics metrics;
  private final DoubleSupplier sampler;

  /** Per model with a records-a-second limit, its limit (models served are few and known). */
  private final Map<String, RateLimit> limits = new ConcurrentHashMap<>();

  private final BlockingQueue<Pending> queue;

  /** Records answered and not settled yet, queued or in the writer's hands: the loss window. */
  private final Semaphore slots;

  private final Semaphore room = new Semaphore(MAX_QUEUED_KIB);
  private final Ledger ledger = new Ledger();
  private final Thread writer;
  private final Object sleep = new Object();

  /**
   * While the writer gathers a batch, the queue length at which it wants waking (the rest of its
   * batch); {@link Integer#MAX_VALUE} otherwise. Read by every request, written once per gathering.
   */
  private volatile int gatherWake = Integer.MAX_VALUE;

  private volatile StoreFullException full;
  private volatile boolean closing;

  private PredictionCapture(
      AgentStore store,
      CaptureConfig config,
      CaptureMetrics metrics,
      DoubleSupplier sampler,
      Duration gather,
      boolean untimedIdle) {
    this.store = store;
    this.config = config;
    this.metrics = metrics;
    this.sampler = sampler;
    this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
    this.slots = new Semaphore(config.queueCapacity());
    this.writer =
        Thread.ofPlatform()
            .name("verge-capture")
            .daemon(true)
            .unstarted(
                new CaptureWriter(
                    store, queue, ledger, metrics, this, gather, config.batch(), untimedIdle));
  }

  /** Starts capturing into {@code store}, which must outlive this. */
  public static PredictionCapture start(
      AgentStore store, CaptureConfig config, CaptureMetrics metrics) {
    return start(store, config, metrics, () -> ThreadLocalRandom.current().nextDouble());
  }

  /**
   * As above; with {@code untimedIdle} the writer, once idle, waits with no time-out for the next
   * record (an agent asleep between pipeline cycles), rather than waking every {@link
   * CaptureWriter#IDLE_POLL} to write the counters of requests that left no record: those are
   * written by the next record's commit or {@link #drain}, which every link pass runs.
   */
  public static PredictionCapture start(
      AgentStore store, CaptureConfig config, CaptureMetrics metrics, boolean untimedIdle) {
    PredictionCapture capture =
        new PredictionCapture(
            store,
            config,
            metrics,
            () -> ThreadLocalRandom.current().nextDouble(),
            config.window(),
            untimedIdle);
    capture.writer.start();
    return capture;
  }

  /**
   * @param sampler draws from [0, 1) to decide which requests a sample rate below 1 records
   */
  static PredictionCapture start(
      AgentStore store, CaptureConfig config, CaptureMetrics metrics, DoubleSupplier sampler) {
    return start(store, config, metrics, sampler, config.window());
  }

  /**
   * @param gather how long the writer gathers records after the first before a buffered commit, in
   *     place of the configured window (tests)
   */
  static PredictionCapture start(
      AgentStore store,
      CaptureConfig config,
      CaptureMetrics metrics,
      DoubleSupplier sampler,
      Duration gather) {
    PredictionCapture capture =
        new PredictionCapture(store, config, metrics, sampler, gather, false);
    capture.writer.start();
    return capture;
  }

  /** The writer thread (tests look at how it waits). */
  Thread writer() {
    return writer;
  }

  public CaptureConfig config() {
    return config;
  }

  /**
   * Captures one answered request of {@code model} as its policy says. Returns at once in {@link
   * CaptureConfig.Mode#BUFFERED} (unless the queue is full and capture waits then), once the record
   * is durable in {@link CaptureConfig.Mode#SYNC}.
   *
   * @param inputs the request's decoded inputs
   * @param outputs the answered outputs; neither list may change afterwards
   * @throws StoreFullException when the store is full and this request's record would be lost
   * @throws StoreBusyException when no room came within {@link #WAIT_LIMIT}
   * @throws StoreException when a synchronous record could not be written
   */
  public void served(
      String model,
      long version,
      String requestId,
      Instant time,
      long latencyMicros,
      List<Tensor> inputs,
      List<Tensor> outputs) {
    CapturePolicy policy = config.policy(model);
    double rate = policy.sampleRate();
    if (rate < 1 && !(rate > 0 && sampler.getAsDouble() < rate)) {
      ledger.unrecordedServed.incrementAndGet();
      metrics.sampledOut();
      return;
    }
    if (policy.maxRate() > 0
        && !limits
            .computeIfAbsent(model, m -> new RateLimit(policy.maxRate(), System::nanoTime))
            .admit()) {
      ledger.unrecordedServed.incrementAndGet();
      metrics.rateLimited();
      return;
    }
    StoreFullException refusal = full;
    if (refusal != null) {
      throw new StoreFullException(refusal.getMessage(), refusal);
    }
    if (closing) {
      ledger.unrecordedServed.incrementAndGet();
      metrics.dropped("closed", 1);
      return;
    }
    int cap = policy.maxRecordBytes();
    List<Tensor> keptOutputs = outputs;
    String outputsJson = null;
    // Data that cannot fit whatever its values is described now rather than held in the queue.
    if (!RecordEncoder.mayFit(outputs, cap)) {
      outputsJson = RecordEncoder.described(outputs, cap);
      keptOutputs = null;
    }
    List<Tensor> capturedInputs = policy.inputs() ? inputs : null;
    String inputsJson = null;
    if (capturedInputs != null && !RecordEncoder.mayFit(capturedInputs, cap)) {
      inputsJson = RecordEncoder.described(capturedInputs, cap);
      capturedInputs = null;
    }
    long held =
        (keptOutputs == null ? 0 : RecordEncoder.heldBytes(keptOutputs))
            + (capturedInputs == null ? 0 : RecordEncoder.heldBytes(capturedInputs));
    int kib = (int) Math.min(MAX_QUEUED_KIB, (held + 1023) / 1024);
    CompletableFuture<Long> done =
        config.mode() == CaptureConfig.Mode.SYNC ? new CompletableFuture<>() : null;
    Pending pending =
        new Pending(
            time,
            model,
            version,
            latencyMicros,
            requestId,
            keptOutputs,
            outputsJson,
            capturedInputs,
            inputsJson,
            cap,
            kib,
            System.nanoTime(),
            done);
    if (!enqueue(pending)) {
      ledger.unrecordedServed.incrementAndGet();
      metrics.dropped("queue_full", 1);
      return;
    }
    if (done != null) {
      awaitCommit(done);
    }
  }

  /**
   * Takes a slot (at most the queue's capacity of records are answered and not yet committed) and
   * the record's share of the heap budget, then queues it; false when there is no room and the
   * configuration drops then.
   */
  private boolean enqueue(Pending p) {
    if (slots.tryAcquire()) {
      if (room.tryAcquire(p.heldKib())) {
        admit(p);
        return true;
      }
      slots.release();
    }
    if (config.whenFull() == CaptureConfig.WhenFull.DROP) {
      return false;
    }
    metrics.waitedForRoom();
    long deadline = System.nanoTime() + WAIT_LIMIT.toNanos();
    boolean slot = false;
    try {
      // In slices, so that a store found full meanwhile refuses this request as it does new ones.
      while (System.nanoTime() < deadline) {
        slot = slot || slots.tryAcquire(WAIT_SLICE.toNanos(), TimeUnit.NANOSECONDS);
        if (slot && room.tryAcquire(p.heldKib(), WAIT_SLICE.toNanos(), TimeUnit.NANOSECONDS)) {
          admit(p);
          return true;
        }
        StoreFullException refusal = full;
        if (refusal != null) {
          throw new StoreFullException(refusal.getMessage(), refusal);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (StoreFullException e) {
      giveUp(slot);
      throw e;
    }
    giveUp(slot);
    throw new StoreBusyException(
        "the prediction store is not keeping up: the capture queue ("
            + config.queueCapacity()
            + " records) stayed full for "
            + WAIT_LIMIT.toSeconds()
            + " s",
        null);
  }

  private void giveUp(boolean slot) {
    if (slot) {
      slots.release();
    }
  }

  /**
   * Counts the record as accepted before the writer can see it (so that it is settled after), and
   * queues it; the request's thread takes no lock the writer holds while it commits.
   */
  private void admit(Pending p) {
    ledger.accepted.incrementAndGet();
    queue.add(p); // never full: it holds fewer records than there are slots
    int wake = gatherWake;
    if (wake != Integer.MAX_VALUE && queue.size() >= wake) {
      // The writer's batch is complete: its commit starts now, not at the end of the window.
      synchronized (sleep) {
        sleep.notifyAll();
      }
    }
  }

  /** Gives back what a settled record held. */
  void release(Pending p) {
    room.release(p.heldKib());
    slots.release();
  }

  /** Gives back what the settled records of {@code batch} held, in one step each. */
  void release(List<Pending> batch) {
    int kib = 0;
    for (Pending p : batch) {
      kib += p.heldKib();
    }
    room.release(kib);
    slots.release(batch.size());
  }

  private static void awaitCommit(CompletableFuture<Long> done) {
    try {
      done.get(WAIT_LIMIT.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreFullException f) {
        throw new StoreFullException(f.getMessage(), f);
      }
      if (e.getCause() instanceof StoreException s) {
        throw new StoreException(s.getMessage(), s);
      }
      throw new StoreException("cannot record the prediction: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new StoreBusyException(
          "the prediction was not committed within " + WAIT_LIMIT.toSeconds() + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreBusyException("interrupted while the prediction was committed", e);
    }
  }

  /**
   * Counts a failed request; written with the writer's next transaction, or at once in {@link
   * CaptureConfig.Mode#SYNC}.
   */
  public void failed() {
    if (config.mode() == CaptureConfig.Mode.SYNC) {
      store.recordAll(List.of(), 0, 1);
    } else {
      ledger.failed.incrementAndGet();
    }
  }

  /**
   * Waits until every record captured before this call is committed (or dropped), then writes the
   * counts gathered so far, so that the store's counters are the totals as of this call.
   *
   * @return false when {@code timeout} passed first
   * @throws StoreException when the counts cannot be written
   */
  public boolean drain(Duration timeout) {
    try {
      if (!ledger.awaitSettled(System.nanoTime() + timeout.toNanos())) {
        return false;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    if (ledger.owesCounts()) {
      ledger.writeCounts(store);
    }
    return true;
  }

  /** The store's counters with what capture holds still: the totals as of now. */
  public Counters counters() {
    return ledger.counters(store);
  }

  /** Records answered and not committed yet: waiting in the queue or in the writer's hands. */
  public int queued() {
    return config.queueCapacity() - slots.availablePermits();
  }

  /** Whether the store was found full and requests that would record are refused. */
  public boolean full() {
    return full != null;
  }

  /** While the store is full and requests that would record are refused, why; empty otherwise. */
  public Optional<String> refusal() {
    StoreFullException refusal = full;
    return refusal == null ? Optional.empty() : Optional.of(refusal.getMessage());
  }

  void markFull(StoreFullException e) {
    if (full == null) {
      LOG.log(System.Logger.Level.WARNING, e.getMessage());
    }
    full = e;
  }

  void roomAgain() {
    if (full != null) {
      full = null;
      LOG.log(System.Logger.Level.INFO, "the prediction store has room again; recording resumes");
    }
  }

  boolean closing() {
    return closing;
  }

  /**
   * The writer's wait while it gathers: until {@code deadlineNanos}, closing, or {@code wanted}
   * records wait in the queue, whichever comes first. It is woken by the request that completes the
   * batch only, not by every record.
   */
  void gather(long deadlineNanos, int wanted) {
    gatherWake = wanted;
    try {
      synchronized (sleep) {
        for (long left;
            !closing && queue.size() < wanted && (left = deadlineNanos - System.nanoTime()) > 0; ) {
          try {
            sleep.wait(Math.max(1, left / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    } finally {
      gatherWake = Integer.MAX_VALUE;
    }
  }

  /** The idle writer's wait with no time-out: until a record is queued, or capture closes. */
  void awaitRecord() {
    gatherWake = 1; // the next record wakes the writer, as the one that completes a batch does
    try {
      synchronized (sleep) {
        while (!closing && queue.isEmpty()) {
          try {
            sleep.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    } finally {
      gatherWake = Integer.MAX_VALUE;
    }
  }

  void sleepUnlessClosing(Duration duration) {
    long deadline = System.nanoTime() + duration.toNanos();
    synchronized (sleep) {
      for (long left; !closing && (left = deadline - System.nanoTime()) > 0; ) {
        try {
          sleep.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * Stops taking records and writes those waiting (up to {@link #CLOSE_LIMIT}), with the counters;
   * the store stays open. What cannot be written in time is said in the log.
   */
  @Override
  public void close() {
    if (closing) {
      return;
    }
    closing = true;
    synchronized (sleep) {
      sleep.notifyAll();
    }
    try {
      if (!writer.join(CLOSE_LIMIT)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "prediction capture did not finish writing within {0} s; {1} records are lost",
            CLOSE_LIMIT.toSeconds(),
            queued());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
