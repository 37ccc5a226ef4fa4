package dev.verge.agent.pipeline;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.Mqtt5RetainHandling;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.verge.agent.internal.Backoff;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link Source.Mqtt}: a subscriber that keeps each message's readings in the pipeline store and
 * only then acknowledges it to the broker (manual acknowledgement), and a reader that gives the
 * kept readings to the pipeline's cycles like {@link PushSource}. The session is persistent (clean
 * start off, with an expiry), so messages published while the agent was away arrive when it
 * reconnects, and one received but not yet kept when the agent died is sent again.
 *
 * <p>Connecting never blocks: the client connects in the background and reconnects after every loss
 * with {@link Backoff}; while the broker cannot be reached, a cycle with nothing kept fails with
 * the reason (naming the broker, never the password), which the pipeline's status shows.
 */
final class MqttSource implements SourceReader {
  private static final System.Logger LOG = System.getLogger(MqttSource.class.getName());

  /** Refused messages held for the next cycle to report; more are only logged. */
  static final int MAX_REFUSED_HELD = 1000;

  /** The largest packet MQTT allows (MQTT 5 §2.2.3). */
  private static final int MQTT_MAX_PACKET = 268_435_460;

  private final String pipeline;
  private final Source.Mqtt spec;
  private final Keeper keeper;
  private final Backoff backoff;
  private final PushSource kept;
  private final ExecutorService receiver;
  private final Mqtt5AsyncClient client;
  private final ConcurrentLinkedQueue<String> refused = new ConcurrentLinkedQueue<>();
  private final AtomicInteger refusedHeld = new AtomicInteger();
  private final AtomicInteger subscribeFailures = new AtomicInteger();
  private volatile Runnable wake = () -> {};
  private volatile String problem;

  /** The last problem a cycle put in the pipeline's status. */
  private volatile String shown;

  private volatile String lastLogged;
  private volatile boolean closed;

  /** Writes a message's readings durably; false while the pipeline has too many waiting. */
  @FunctionalInterface
  interface Keeper {
    boolean keep(String pipeline, List<Map<String, Object>> readings);
  }

  MqttSource(
      String pipeline, String deviceId, Source.Mqtt spec, PipelineStore store, Backoff backoff) {
    this(pipeline, deviceId, spec, store, backoff, store::addReadings);
  }

  /** As above, keeping readings through {@code keeper} (a test's failing disk). */
  MqttSource(
      String pipeline,
      String deviceId,
      Source.Mqtt spec,
      PipelineStore store,
      Backoff backoff,
      Keeper keeper) {
    this.pipeline = pipeline;
    this.spec = spec;
    this.keeper = keeper;
    this.backoff = backoff;
    this.kept = new PushSource(pipeline, store, "mqtt");
    String id =
        spec.broker().clientId() != null
            ? spec.broker().clientId()
            : MqttClients.defaultId(deviceId, pipeline, "in");
    this.receiver =
        Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("verge-pipeline-" + pipeline + "-mqtt").factory());
    this.client =
        MqttClients.builder(spec.broker(), id)
            .addConnectedListener(context -> connected())
            .addDisconnectedListener(this::disconnected)
            .buildAsync();
    // Registered before the first connect: a persistent session's queued messages may arrive
    // right after the CONNACK, before any subscribe is answered.
    client.publishes(MqttGlobalPublishFilter.ALL, this::received, receiver, true);
  }

  /** Called once a message's readings are kept: the pipeline runs a cycle now. */
  void onKept(Runnable wake) {
    this.wake = wake;
  }

  /** Starts connecting in the background; returns at once. */
  void start() {
    int packet =
        (int)
            Math.min(
                MQTT_MAX_PACKET,
                Math.max(2L * spec.maxMessageBytes(), spec.maxMessageBytes() + 65_536L));
    client
        .connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(spec.sessionExpiry().toSeconds())
        .restrictions()
        .maximumPacketSize(packet)
        .applyRestrictions()
        .send()
        .whenComplete(
            (ack, e) -> {
              if (e == null) {
                LOG.log(
                    System.Logger.Level.INFO,
                    "pipeline {0}: connected to MQTT broker {1} (session {2})",
                    pipeline,
                    spec.broker().url(),
                    ack.isSessionPresent() ? "resumed" : "new");
              }
              // A failure reaches the disconnected listener, which schedules the next try.
            });
  }

  private void connected() {
    if (closed) {
      client.disconnect(); // A reconnect that was under way when the source closed.
      return;
    }
    subscribe();
  }

  private void subscribe() {
    client
        .subscribeWith()
        .topicFilter(spec.topic())
        .qos(MqttQos.fromCode(spec.qos()))
        // Subscribed again on every connect: a retained message is read once, when the
        // subscription is new, not after each reconnect.
        .retainHandling(Mqtt5RetainHandling.SEND_IF_SUBSCRIPTION_DOES_NOT_EXIST)
        .send()
        .orTimeout(spec.broker().timeout().toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(this::subscribed);
  }

  private void subscribed(Mqtt5SubAck ack, Throwable e) {
    try {
      String failure =
          e != null
              ? MqttClients.why(spec.broker(), e)
              : ack.getReasonCodes().stream().anyMatch(c -> c.isError())
                  ? "MQTT broker "
                      + spec.broker().url()
                      + " refused the subscription to '"
                      + spec.topic()
                      + "': "
                      + ack.getReasonCodes()
                  : null;
      if (failure == null) {
        subscribeFailures.set(0);
        if (problem != null) {
          LOG.log(
              System.Logger.Level.INFO,
              "pipeline {0}: subscribed to ''{1}'' on MQTT broker {2} again",
              pipeline,
              spec.topic(),
              spec.broker().url());
        }
        problem = null;
        lastLogged = null;
        wake.run(); // The next cycle shows the pipeline running again.
        return;
      }
      subscribeFailures.incrementAndGet();
      report(failure);
      client.disconnect(); // The disconnected listener tries again after a back-off.
    } catch (Throwable t) {
      LOG.log(System.Logger.Level.ERROR, "pipeline " + pipeline + ": subscribe failed: " + t, t);
    }
  }

  private void disconnected(MqttClientDisconnectedContext context) {
    try {
      if (closed) {
        return;
      }
      report(MqttClients.why(spec.broker(), context.getCause()));
      int failures = Math.max(context.getReconnector().getAttempts() + 1, subscribeFailures.get());
      context
          .getReconnector()
          .reconnect(true)
          .delay(backoff.delay(failures).toMillis(), TimeUnit.MILLISECONDS);
    } catch (Throwable t) {
      // Error included: the listener must always leave a reconnect scheduled or say why not.
      LOG.log(System.Logger.Level.ERROR, "pipeline " + pipeline + ": cannot reconnect: " + t, t);
    }
  }

  private void report(String why) {
    problem = why;
    if (!why.equals(lastLogged)) {
      lastLogged = why;
      LOG.log(System.Logger.Level.WARNING, "pipeline {0}: {1}; trying again", pipeline, why);
    }
    if (!why.equals(shown)) {
      // A cycle now shows why in the pipeline's status. Until one has (a cycle woken earlier may
      // have run before the reason was known), each failure wakes the pipeline again.
      wake.run();
    }
  }

  /** On the receiver thread, one message at a time, in order. */
  private void received(Mqtt5Publish publish) {
    try {
      String where = "MQTT message on '" + publish.getTopic() + "'";
      ByteBuffer payload = publish.getPayload().orElse(ByteBuffer.allocate(0));
      if (payload.remaining() > spec.maxMessageBytes()) {
        refuse(
            where
                + " is "
                + payload.remaining()
                + " bytes, larger than max-message-kb ("
                + spec.maxMessageBytes() / 1024
                + " KiB)");
        publish.acknowledge();
        return;
      }
      byte[] bytes = new byte[payload.remaining()];
      payload.get(bytes);
      List<Map<String, Object>> readings;
      try {
        readings = PushEndpoint.parse(bytes);
      } catch (IllegalArgumentException e) {
        refuse(where + ": " + e.getMessage().replace("the body", "the message"));
        publish.acknowledge();
        return;
      }
      if (keep(readings)) {
        publish.acknowledge();
        wake.run();
      }
    } catch (Throwable e) {
      // Not acknowledged: the broker sends it again after the next reconnect.
      LOG.log(
          System.Logger.Level.ERROR,
          "pipeline " + pipeline + ": an MQTT message could not be kept: " + e,
          e);
    }
  }

  /** Keeps the readings, waiting (and holding the next messages back) while the store refuses. */
  private boolean keep(List<Map<String, Object>> readings) throws InterruptedException {
    Backoff.Tries tries = backoff.tries();
    while (!closed) {
      String why;
      try {
        if (keeper.keep(pipeline, readings)) {
          return true;
        }
        why = PipelineStore.MAX_PENDING_READINGS + " readings already wait";
      } catch (PipelineException e) {
        why = e.getMessage();
      }
      java.time.Duration wait = tries.failed();
      LOG.log(
          tries.failures() == 1 ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
          "pipeline {0}: cannot keep an MQTT message yet ({1}); it stays unacknowledged, next try"
              + " in {2} ms",
          pipeline,
          why,
          wait.toMillis());
      Thread.sleep(wait);
    }
    return false;
  }

  private void refuse(String why) {
    if (refusedHeld.incrementAndGet() <= MAX_REFUSED_HELD) {
      refused.add(why);
    } else {
      refusedHeld.decrementAndGet();
      LOG.log(System.Logger.Level.WARNING, "pipeline {0}: {1}; refused", pipeline, why);
    }
  }

  @Override
  public Batch read(int max) {
    Batch batch = kept.read(max);
    List<String> rejected = new ArrayList<>();
    for (String why = refused.poll(); why != null; why = refused.poll()) {
      refusedHeld.decrementAndGet();
      rejected.add(why);
    }
    String now = problem;
    if (batch.readings().isEmpty() && rejected.isEmpty() && now != null) {
      shown = now;
      throw new PipelineException(now);
    }
    return new Batch(batch.readings(), rejected, batch.commit(), batch.more());
  }

  /** Why the source is not subscribed now; null while it is. */
  String problem() {
    return problem;
  }

  @Override
  public void close() {
    closed = true;
    try {
      // The session stays on the broker for its expiry: what arrives meanwhile waits there.
      client.disconnect().get(spec.broker().timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "pipeline {0}: MQTT disconnect: {1}",
          pipeline,
          MqttClients.why(spec.broker(), e));
    }
    receiver.shutdownNow();
    try {
      if (!receiver.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.log(System.Logger.Level.WARNING, "pipeline {0}: MQTT receiver did not stop", pipeline);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
