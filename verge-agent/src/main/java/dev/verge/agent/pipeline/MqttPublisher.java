package dev.verge.agent.pipeline;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.internal.Backoff;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@link Action.PublishMqtt}: the firings kept in the pipeline store for one broker and topic (an
 * "outlet"), published oldest first by one thread, each forgotten only once the broker acknowledged
 * it. While the broker cannot be reached the thread backs off ({@link Backoff}) and the firings
 * wait, across restarts; every connect and publish has the broker's time-out. A firing the broker
 * took but whose acknowledgement was lost is published again (at least once).
 */
final class MqttPublisher implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(MqttPublisher.class.getName());
  static final int BATCH = 100;

  /** How long an idle publisher sleeps before it looks at the store again anyway. */
  private static final Duration IDLE = Duration.ofMinutes(1);

  private final String pipeline;
  private final String outlet;
  private final Action.PublishMqtt action;
  private final PipelineStore store;
  private final PipelineMetrics metrics;
  private final Backoff.Tries tries;
  private final Mqtt5AsyncClient client;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private boolean woken;
  private volatile String problem;
  private volatile Thread thread;
  private volatile boolean closed;

  MqttPublisher(
      String pipeline,
      String deviceId,
      Action.PublishMqtt action,
      PipelineStore store,
      Backoff backoff,
      PipelineMetrics metrics) {
    this.pipeline = pipeline;
    this.outlet = outlet(pipeline, action);
    this.action = action;
    this.store = store;
    this.metrics = metrics;
    this.tries = backoff.tries();
    String id =
        action.broker().clientId() != null
            ? action.broker().clientId()
            : MqttClients.defaultId(deviceId, pipeline, "out-" + digest(outlet));
    this.client = MqttClients.builder(action.broker(), id).buildAsync();
  }

  /** The key of this action's rows in the store: the pipeline, the broker and the topic. */
  static String outlet(String pipeline, Action.PublishMqtt action) {
    return pipeline + " " + action.broker().url() + " " + action.topic();
  }

  private static String digest(String text) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  void start() {
    thread = Thread.ofVirtual().name("verge-pipeline-" + pipeline + "-mqtt-out").start(this::run);
  }

  /**
   * Keeps {@code payload} for the broker and wakes the thread.
   *
   * @return false when {@link PipelineStore#MAX_PENDING_FIRINGS} already wait (not kept)
   */
  boolean offer(byte[] payload) {
    if (!store.addOutgoing(outlet, payload)) {
      return false;
    }
    lock.lock();
    try {
      woken = true;
      work.signalAll();
    } finally {
      lock.unlock();
    }
    return true;
  }

  /** Firings waiting for the broker. */
  long pending() {
    return store.pendingOutgoing(outlet);
  }

  /** Why the last round stopped early; null when it published everything. */
  String problem() {
    return problem;
  }

  private void run() {
    while (!closed) {
      try {
        List<PipelineStore.Outgoing> batch = store.outgoing(outlet, BATCH);
        if (batch.isEmpty()) {
          idle();
          continue;
        }
        connect();
        for (PipelineStore.Outgoing firing : batch) {
          publish(firing.payload());
          store.forgetOutgoing(firing.sequence());
          metrics.action(pipeline, "mqtt", "ok");
        }
        if (problem != null) {
          LOG.log(
              System.Logger.Level.INFO,
              "pipeline {0}: MQTT broker {1} takes firings again",
              pipeline,
              action.broker().url());
        }
        problem = null;
        tries.reset();
      } catch (InterruptedException e) {
        return;
      } catch (Throwable e) {
        // Error included: one failed round must not end publishing for good.
        String why = MqttClients.why(action.broker(), e);
        Duration wait = tries.failed();
        metrics.action(pipeline, "mqtt", "failed");
        LOG.log(
            why.equals(problem) ? System.Logger.Level.DEBUG : System.Logger.Level.WARNING,
            "pipeline {0}: cannot publish to ''{1}'' ({2}); {3} firings wait, next try in {4} ms",
            pipeline,
            action.topic(),
            why,
            safePending(),
            wait.toMillis());
        problem = why;
        client.disconnect(); // A fresh connection next round, whatever state this one is in.
        try {
          Thread.sleep(wait);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  private long safePending() {
    try {
      return pending();
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private void idle() throws InterruptedException {
    lock.lock();
    try {
      long nanos = IDLE.toNanos();
      while (!woken && nanos > 0 && !closed) {
        nanos = work.awaitNanos(nanos);
      }
      woken = false;
    } finally {
      lock.unlock();
    }
  }

  private void connect() throws InterruptedException, ExecutionException, TimeoutException {
    if (client.getState().isConnected()) {
      return;
    }
    // Clean start: what is not acknowledged is in the store, which publishes it again.
    client
        .connectWith()
        .cleanStart(true)
        .send()
        .get(action.broker().timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void publish(byte[] payload)
      throws InterruptedException, ExecutionException, TimeoutException {
    Mqtt5PublishResult result =
        client
            .publishWith()
            .topic(action.topic())
            .qos(MqttQos.fromCode(action.qos()))
            .retain(action.retain())
            .contentType("application/json")
            .payload(payload)
            .send()
            .get(action.broker().timeout().toMillis(), TimeUnit.MILLISECONDS);
    if (result.getError().isPresent()) {
      throw new ExecutionException(result.getError().get());
    }
    String refused =
        switch (result) {
          case Mqtt5PublishResult.Mqtt5Qos1Result q1 ->
              q1.getPubAck().getReasonCode().isError()
                  ? q1.getPubAck().getReasonCode().toString()
                  : null;
          case Mqtt5PublishResult.Mqtt5Qos2Result q2 ->
              q2.getPubRec().getReasonCode().isError()
                  ? q2.getPubRec().getReasonCode().toString()
                  : null;
          default -> null;
        };
    if (refused != null) {
      throw new PipelineException(
          "the broker refused a firing on '" + action.topic() + "': " + refused);
    }
  }

  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(thread, "pipeline " + pipeline + " MQTT publisher");
    try {
      client.disconnect().get(action.broker().timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      // Not connected, or the broker is gone: nothing is lost, the firings are in the store.
    }
  }
}
