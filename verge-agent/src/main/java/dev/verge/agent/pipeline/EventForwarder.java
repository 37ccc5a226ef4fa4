package dev.verge.agent.pipeline;

import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.sync.HubException;
import dev.verge.agent.sync.HubRefusedException;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.api.EventBatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Takes the events waiting in the {@link PipelineStore} to the hub, oldest first, in batches, and
 * forgets each batch once the hub acknowledged it. The hub stores an event once per (device,
 * sequence), so a batch sent again after a crash is harmless. While the hub cannot be reached the
 * rounds back off ({@link Backoff}, from the forward interval up to 5 min); the events wait, in the
 * store, across restarts.
 */
final class EventForwarder implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(EventForwarder.class.getName());
  static final int BATCH = 500;
  static final Duration MAX_BACKOFF = Duration.ofMinutes(5);

  private final PipelineStore store;
  private final Pipelines.Sender hub;
  private final Duration interval;
  private final Backoff.Tries tries;
  private final ReentrantLock flushing = new ReentrantLock();
  private volatile String lastFailure;
  private volatile Thread thread;
  private volatile boolean closed;

  EventForwarder(PipelineStore store, Pipelines.Sender hub, Duration interval) {
    this.store = store;
    this.hub = hub;
    this.interval = interval;
    this.tries =
        new Backoff(interval, MAX_BACKOFF.compareTo(interval) < 0 ? interval : MAX_BACKOFF).tries();
  }

  /**
   * Sends every waiting event now, until none is left or the hub fails a batch.
   *
   * @return the events the hub acknowledged
   */
  int flush() {
    flushing.lock();
    try {
      int sent = 0;
      int size = BATCH;
      while (true) {
        List<DeviceEvent> batch = store.pendingEvents(size);
        if (batch.isEmpty()) {
          lastFailure = null;
          return sent;
        }
        try {
          hub.send(new EventBatch(batch));
        } catch (HubRefusedException e) {
          if (e.status() != 400 && e.status() != 413 && e.status() != 422) {
            throw e;
          }
          if (batch.size() > 1) {
            size = Math.max(1, batch.size() / 2);
            continue;
          }
          // One event the hub will never take: logged and let go, so it does not block the rest.
          LOG.log(
              System.Logger.Level.ERROR,
              "the hub refused event {0} of pipeline {1} ({2}); it is dropped",
              batch.getFirst().sequence(),
              batch.getFirst().pipeline(),
              e.getMessage());
        }
        store.acknowledge(batch.getLast().sequence());
        sent += batch.size();
      }
    } finally {
      flushing.unlock();
    }
  }

  /** Why the last round stopped early; null when it sent everything. */
  String lastFailure() {
    return lastFailure;
  }

  void start() {
    thread = Thread.ofVirtual().name("verge-pipeline-events").start(this::run);
  }

  private void run() {
    Duration wait = interval;
    while (!closed) {
      try {
        Thread.sleep(wait);
      } catch (InterruptedException e) {
        return;
      }
      try {
        flush();
        tries.reset();
        wait = interval;
      } catch (HubException e) {
        lastFailure = e.getMessage();
        wait = tries.failed();
        LOG.log(
            tries.failures() == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
            "cannot forward pipeline events ({0}); {1} wait, next try in {2} ms",
            e.getMessage(),
            store.pendingEvents(),
            wait.toMillis());
      } catch (Throwable e) {
        // Error included: one failed round must not end forwarding for good.
        lastFailure = e.toString();
        wait = tries.failed();
        LOG.log(System.Logger.Level.ERROR, "forwarding pipeline events failed: " + e, e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(thread, "pipeline event forwarder");
  }
}
