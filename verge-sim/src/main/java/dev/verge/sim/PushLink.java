package dev.verge.sim;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.verge.core.api.PushAccess;
import dev.verge.core.json.Json;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One simulated device's subscription to its desired-state topic, as the agent's {@code
 * PushSubscription} keeps it on the wire: client id {@code verge-<device>-push}, MQTT 5, a clean
 * start, a retained {@link PushAccess#OFFLINE} will on the presence topic; once connected it
 * subscribes (QoS 1) and publishes a retained {@link PushAccess#ONLINE}. Lighter than the agent's:
 * no kept access file and no background thread; the device's own thread asks the hub again (see
 * {@link #refusedFor}). Reconnects back off exponentially with jitter, so that a fleet of thousands
 * losing the broker at once does not come back in one burst. Callbacks run on the MQTT client's
 * shared threads: they only set flags and tell the {@link Listener}, which must not block.
 */
final class PushLink {
  private static final int MAX_PACKET_BYTES = 64 * 1024;
  private static final long FIRST_RECONNECT_MILLIS = 1_000;
  private static final long MAX_RECONNECT_MILLIS = 120_000;

  /** What the device hears from its link; called on the MQTT client's threads, never blocking. */
  interface Listener {
    /** Subscribed and present: the device should ask the hub now. */
    void connected();

    /** A "desired state changed" message; {@code changedAtMillis} 0 when it carried none. */
    void changed(long changedAtMillis);

    /** The subscription is gone (the device polls until it is back). */
    void lost();
  }

  /** The hub's message: {@code {"changedAt": <epoch ms>}}. */
  record Changed(Long changedAt) {}

  private final PushAccess access;
  private final Listener listener;
  private final Duration timeout;
  private final Mqtt5AsyncClient client;

  /** Connects in a row whose subscribe or presence failed: reconnects back off on them too. */
  private final AtomicInteger setupFailures = new AtomicInteger();

  private volatile boolean subscribed;
  private volatile boolean closed;
  private volatile long refusedSinceNanos;
  private volatile String lastFailure;

  private PushLink(
      String deviceId, PushAccess access, Listener listener, Duration timeout, URI broker) {
    this.access = access;
    this.listener = listener;
    this.timeout = timeout;
    String id = "verge-" + deviceId + "-push";
    long millis = timeout.toMillis();
    var transport =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier(id.length() > 128 ? id.substring(0, 128) : id)
            .transportConfig()
            .serverHost(broker.getHost())
            .serverPort(broker.getPort() > 0 ? broker.getPort() : 1883)
            .socketConnectTimeout(millis, TimeUnit.MILLISECONDS)
            .mqttConnectTimeout(millis, TimeUnit.MILLISECONDS);
    if ("ssl".equals(broker.getScheme())) {
      transport = transport.sslWithDefaultConfig();
    }
    this.client =
        transport
            .applyTransportConfig()
            .simpleAuth()
            .username(access.username())
            .password(access.password().getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .willPublish()
            .topic(access.presenceTopic())
            .payload(PushAccess.OFFLINE.getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.AT_LEAST_ONCE)
            .retain(true)
            .applyWillPublish()
            .addConnectedListener(context -> onConnected())
            .addDisconnectedListener(this::onDisconnected)
            .buildAsync();
    client.publishes(MqttGlobalPublishFilter.SUBSCRIBED, this::onMessage);
  }

  /**
   * Starts connecting to the broker in {@code access}; returns at once (a broker that is down is
   * tried again in the background).
   *
   * @throws IllegalArgumentException when the hub's broker URL is unusable
   */
  static PushLink open(String deviceId, PushAccess access, Listener listener, Duration timeout) {
    URI broker = URI.create(access.broker());
    if (!("tcp".equals(broker.getScheme()) || "ssl".equals(broker.getScheme()))
        || broker.getHost() == null) {
      throw new IllegalArgumentException("the hub's push broker '" + broker + "' is unusable");
    }
    PushLink link = new PushLink(deviceId, access, listener, timeout, broker);
    link.client
        .connectWith()
        .cleanStart(true) // The device asks the hub on every connect: nothing to keep meanwhile.
        .restrictions()
        .maximumPacketSize(MAX_PACKET_BYTES)
        .applyRestrictions()
        .send();
    // A failure reaches the disconnected listener, which schedules the next try.
    return link;
  }

  /** Subscribed to the desired-state topic, with the online presence published. */
  boolean subscribed() {
    return subscribed && !closed;
  }

  /** How long the broker has refused these credentials without a break; zero when it has not. */
  Duration refusedFor() {
    long since = refusedSinceNanos;
    return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
  }

  /** Why the last connect, subscribe or presence failed (never the password); null for none. */
  String lastFailure() {
    return lastFailure;
  }

  private void onConnected() {
    if (closed) {
      client.disconnect();
      return;
    }
    refusedSinceNanos = 0;
    long millis = timeout.toMillis();
    client
        .subscribeWith()
        .topicFilter(access.desiredTopic())
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .orTimeout(millis, TimeUnit.MILLISECONDS)
        .thenCompose(
            ack -> {
              if (ack.getReasonCodes().stream().anyMatch(c -> c.isError())) {
                throw new IllegalStateException(
                    "the broker refused the subscription: " + ack.getReasonCodes());
              }
              return client
                  .publishWith()
                  .topic(access.presenceTopic())
                  .payload(PushAccess.ONLINE.getBytes(StandardCharsets.UTF_8))
                  .qos(MqttQos.AT_LEAST_ONCE)
                  .retain(true)
                  .send()
                  .orTimeout(millis, TimeUnit.MILLISECONDS);
            })
        .whenComplete(
            (published, e) -> {
              try {
                if (closed) {
                  return;
                }
                if (e != null) {
                  setupFailures.incrementAndGet();
                  lastFailure = describe(e);
                  client.disconnect(); // The disconnected listener tries again.
                  return;
                }
                setupFailures.set(0);
                subscribed = true;
                listener.connected();
              } catch (Throwable t) {
                lastFailure = describe(t); // Error included: the link must not die silently.
              }
            });
  }

  /**
   * Publishes {@link PushAccess#ONLINE} again without waiting (bounded by the time-out): the hub
   * stops trusting an online presence that is not refreshed.
   */
  void refreshPresence() {
    if (!subscribed()) {
      return;
    }
    client
        .publishWith()
        .topic(access.presenceTopic())
        .payload(PushAccess.ONLINE.getBytes(StandardCharsets.UTF_8))
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .send()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .whenComplete(
            (published, e) -> {
              if (e != null && !closed) {
                lastFailure = describe(e);
              }
            });
  }

  private void onMessage(Mqtt5Publish message) {
    if (closed || !subscribed) {
      return;
    }
    long changedAt = 0;
    try {
      Changed body = Json.read(message.getPayloadAsBytes(), Changed.class);
      changedAt = body.changedAt() == null ? 0 : body.changedAt();
    } catch (RuntimeException unreadable) {
      // Nothing in it is needed: the device asks the hub either way.
    }
    listener.changed(changedAt);
  }

  private void onDisconnected(MqttClientDisconnectedContext context) {
    try {
      if (closed) {
        context.getReconnector().reconnect(false);
        return;
      }
      boolean was = subscribed;
      subscribed = false;
      Throwable cause = unwrap(context.getCause());
      if (refused(cause)) {
        if (refusedSinceNanos == 0) {
          refusedSinceNanos = System.nanoTime();
        }
      } else {
        refusedSinceNanos = 0;
      }
      lastFailure = describe(cause);
      // The reconnector counts attempts only since the last CONNACK.
      int attempts = Math.max(context.getReconnector().getAttempts(), setupFailures.get());
      long delay = Math.min(MAX_RECONNECT_MILLIS, FIRST_RECONNECT_MILLIS << Math.min(attempts, 10));
      delay = delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
      context.getReconnector().reconnect(true).delay(delay, TimeUnit.MILLISECONDS);
      if (was) {
        listener.lost();
      }
    } catch (Throwable t) {
      lastFailure = describe(t); // Error included: never leave the listener with an exception.
    }
  }

  /**
   * Disconnects asking the broker to publish the will, so the hub hears {@link PushAccess#OFFLINE}
   * in one packet (a plain clean disconnect would leave the retained {@code online}); returns the
   * pending disconnect for the caller to bound.
   */
  CompletableFuture<Void> close() {
    closed = true;
    subscribed = false;
    if (!client.getState().isConnected()) {
      return client.disconnect().exceptionally(e -> null); // Ends a reconnect in progress.
    }
    return client
        .disconnectWith()
        .reasonCode(Mqtt5DisconnectReasonCode.DISCONNECT_WITH_WILL_MESSAGE)
        .send()
        .exceptionally(e -> null);
  }

  private static boolean refused(Throwable cause) {
    return cause instanceof Mqtt5ConnAckException refused
        && switch (refused.getMqttMessage().getReasonCode()) {
          case BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED -> true;
          default -> false;
        };
  }

  private String describe(Throwable failure) {
    Throwable e = unwrap(failure);
    if (e instanceof Mqtt5ConnAckException refused) {
      return "push broker "
          + access.broker()
          + " refused: "
          + refused.getMqttMessage().getReasonCode();
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return "push broker " + access.broker() + ": " + message.replace(access.password(), "***");
  }

  private static Throwable unwrap(Throwable failure) {
    Throwable e = failure;
    while ((e instanceof CompletionException || e instanceof ExecutionException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }

  @Override
  public String toString() {
    return "PushLink[" + access + ", subscribed=" + subscribed() + "]";
  }
}
