package dev.verge.agent.push;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.lifecycle.MqttClientDisconnectedContext;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.verge.agent.internal.BackgroundThreads;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.pipeline.MqttBroker;
import dev.verge.agent.pipeline.MqttClients;
import dev.verge.agent.sync.PushChannel;
import dev.verge.agent.sync.PushOffer;
import dev.verge.core.api.PushAccess;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The device's subscription to its desired-state topic on the hub's MQTT broker: on each message,
 * and on each (re)connect, it calls {@code wake} (the sync loop then asks the hub over HTTP at
 * once); on each connect it publishes its retained {@link PushAccess#ONLINE} presence, with a
 * retained {@link PushAccess#OFFLINE} as its will, and publishes {@code OFFLINE} itself when closed
 * (a clean disconnect sends no will). {@link #connected()} is true only once subscribed.
 *
 * <p>Access comes from the kept file when there is one (a restart asks the hub for no new
 * password), else from the hub. Access is asked for again, at most once per {@link
 * Settings#minAsk}, when the broker refuses the credentials for longer than {@link
 * Settings#refusedFor} (the hub may still be reloading the broker with a new password), or when the
 * broker stays unreachable for {@link Settings#unreachableFor} (it may have moved). A hub that
 * pushes nothing is asked again after {@link Settings#askAgain}; meanwhile the agent polls. Every
 * failure leaves a retry scheduled; the password never reaches a log.
 */
public final class PushSubscription implements PushChannel, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(PushSubscription.class.getName());

  /** The largest message the device takes: the hub's are a few bytes of JSON. */
  static final int MAX_PACKET_BYTES = 64 * 1024;

  private static final String CREDENTIALS_HINT = " (the hub issues new push access soon)";

  /** Asks the hub for fresh access: a new password each call. */
  @FunctionalInterface
  public interface AccessSource {
    /**
     * @throws RuntimeException when the hub cannot be asked now (tried again later)
     */
    PushOffer fresh();
  }

  /**
   * How the subscription runs.
   *
   * @param timeout bounds each connect, subscribe and publish
   * @param refusedFor how long the broker may refuse the credentials before new ones are asked for
   * @param minAsk the least time between two requests for access
   * @param askAgain how long after answering that it pushes nothing the hub is asked again
   * @param unreachableFor how long the broker may stay unreachable before new access is asked for
   *     (long: each ask makes the hub issue a password, and a broker outage reaches every device)
   * @param reconnect the waits between reconnects
   * @param tick how often the background thread looks at the connection's state
   * @param presenceRefresh how often {@link PushAccess#ONLINE} is published again while connected
   */
  public record Settings(
      Duration timeout,
      Duration refusedFor,
      Duration minAsk,
      Duration askAgain,
      Duration unreachableFor,
      Backoff reconnect,
      Duration tick,
      Duration presenceRefresh) {
    public Settings {
      Objects.requireNonNull(timeout, "timeout");
      Objects.requireNonNull(refusedFor, "refusedFor");
      Objects.requireNonNull(minAsk, "minAsk");
      Objects.requireNonNull(askAgain, "askAgain");
      Objects.requireNonNull(unreachableFor, "unreachableFor");
      Objects.requireNonNull(reconnect, "reconnect");
      Objects.requireNonNull(tick, "tick");
      Objects.requireNonNull(presenceRefresh, "presenceRefresh");
    }

    /**
     * 10 s time-outs, 30 s of refusal, a minute between asks, 10 min before asking a hub that
     * pushes nothing again, 30 min of an unreachable broker, presence every {@link
     * PushAccess#PRESENCE_REFRESH}.
     */
    public static Settings defaults() {
      return new Settings(
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Duration.ofMinutes(1),
          Duration.ofMinutes(10),
          Duration.ofMinutes(30),
          new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(2)),
          Duration.ofSeconds(1),
          PushAccess.PRESENCE_REFRESH);
    }
  }

  private final String deviceId;
  private final String clientId;
  private final AccessSource source;
  private final PushAccessFile file;
  private final Runnable wake;
  private final Settings settings;

  /** Touched by the background thread only, and by {@link #close} after it stopped. */
  private PushAccess access;

  private long nextAskNanos = System.nanoTime();
  private volatile Link link;
  private volatile boolean subscribed;
  private volatile long refusedSinceNanos;
  private volatile long downSinceNanos;
  private volatile long presenceSentNanos;

  /** Connects in a row whose subscribe or presence failed: the reconnects back off on them. */
  private final AtomicInteger setupFailures = new AtomicInteger();

  private volatile String lastLogged;
  private volatile boolean closed;
  private volatile Thread thread;

  /**
   * @param deviceId the device, for its client id and the kept file
   * @param source asks the hub for fresh access
   * @param file where access is kept between runs
   * @param wake called on each message and (re)connect, and when the connection is lost (so the
   *     loop polls again); must not block
   */
  public PushSubscription(
      String deviceId, AccessSource source, PushAccessFile file, Runnable wake, Settings settings) {
    this.deviceId = Objects.requireNonNull(deviceId, "deviceId");
    String id = "verge-" + deviceId + "-push";
    this.clientId = id.length() > 128 ? id.substring(0, 128) : id;
    this.source = Objects.requireNonNull(source, "source");
    this.file = Objects.requireNonNull(file, "file");
    this.wake = Objects.requireNonNull(wake, "wake");
    this.settings = Objects.requireNonNull(settings, "settings");
  }

  /** Starts in the background with the kept access, or the hub's; returns at once. */
  public void start() {
    access = file.read(deviceId).orElse(null);
    thread = Thread.ofVirtual().name("verge-push").start(this::manage);
  }

  @Override
  public boolean connected() {
    return subscribed && !closed;
  }

  /** One client on one broker with one set of credentials; replaced whole when they change. */
  private static final class Link {
    final PushAccess access;
    final MqttBroker broker;
    Mqtt5AsyncClient client;

    Link(PushAccess access, MqttBroker broker) {
      this.access = access;
      this.broker = broker;
    }
  }

  private void manage() {
    while (!closed) {
      try {
        step();
      } catch (Throwable e) {
        // Error included: the thread that keeps push alive must survive any one failure.
        LOG.log(System.Logger.Level.ERROR, "push subscription check failed: " + e, e);
      }
      try {
        Thread.sleep(settings.tick());
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void step() {
    Link current = link;
    if (current == null) {
      if (access == null) {
        access = ask();
      }
      if (access != null) {
        connect(access);
      }
      return;
    }
    long now = System.nanoTime();
    if (subscribed && now - presenceSentNanos >= settings.presenceRefresh().toNanos()) {
      refreshPresence(current, now);
    }
    long refused = refusedSinceNanos;
    long down = downSinceNanos;
    boolean renew =
        refused != 0 && now - refused >= settings.refusedFor().toNanos()
            || down != 0 && now - down >= settings.unreachableFor().toNanos();
    if (!renew) {
      return;
    }
    PushAccess fresh = ask();
    if (fresh != null && !closed) {
      LOG.log(
          System.Logger.Level.INFO,
          "push: {0}; reconnecting with new access from the hub",
          refused != 0 ? "broker refused the credentials" : "broker unreachable");
      drop(current);
      access = fresh;
      connect(fresh);
    }
  }

  /** Fresh access from the hub, at most once per {@link Settings#minAsk}; null when none now. */
  private PushAccess ask() {
    long now = System.nanoTime();
    if (now - nextAskNanos < 0) {
      return null;
    }
    nextAskNanos = now + settings.minAsk().toNanos();
    PushOffer offer;
    try {
      offer = source.fresh();
    } catch (RuntimeException e) {
      say(
          System.Logger.Level.WARNING,
          "push: cannot get access from the hub ("
              + e.getMessage()
              + "); polling, asking again within "
              + settings.minAsk().toSeconds()
              + " s");
      return null;
    }
    switch (offer) {
      case PushOffer.Granted granted -> {
        file.save(deviceId, granted.access());
        return granted.access();
      }
      case PushOffer.None none -> {
        nextAskNanos = now + settings.askAgain().toNanos();
        say(
            System.Logger.Level.INFO,
            "push: "
                + none.reason()
                + " ("
                + none.status()
                + "); polling, asking again in "
                + settings.askAgain().toSeconds()
                + " s");
        Link current = link;
        if (current != null) {
          drop(current);
        }
        access = null;
        file.delete();
        return null;
      }
    }
  }

  private void connect(PushAccess granted) {
    MqttBroker broker;
    try {
      broker =
          new MqttBroker(
              URI.create(granted.broker()),
              clientId,
              granted.username(),
              granted.password(),
              null,
              settings.timeout());
    } catch (IllegalArgumentException e) {
      // Not ours to fix: the hub's answer; asked again later, polling meanwhile.
      say(
          System.Logger.Level.ERROR,
          "push: the hub's broker '" + granted.broker() + "' is unusable: " + e.getMessage());
      access = null;
      nextAskNanos = System.nanoTime() + settings.askAgain().toNanos();
      return;
    }
    Link next = new Link(granted, broker);
    next.client =
        MqttClients.builder(broker, clientId)
            .willPublish()
            .topic(granted.presenceTopic())
            .payload(PushAccess.OFFLINE.getBytes(StandardCharsets.UTF_8))
            .qos(MqttQos.AT_LEAST_ONCE)
            .retain(true)
            .applyWillPublish()
            .addConnectedListener(context -> connected(next))
            .addDisconnectedListener(context -> disconnected(next, context))
            .buildAsync();
    next.client.publishes(
        MqttGlobalPublishFilter.SUBSCRIBED,
        publish -> {
          if (link == next && !closed) {
            wake.run(); // The body carries nothing to read: the hub is asked over HTTP.
          }
        });
    refusedSinceNanos = 0;
    downSinceNanos = System.nanoTime();
    link = next;
    next.client
        .connectWith()
        .cleanStart(true) // The loop asks the hub on every connect: nothing to keep meanwhile.
        .restrictions()
        .maximumPacketSize(MAX_PACKET_BYTES)
        .applyRestrictions()
        .send();
    // A failure reaches the disconnected listener, which schedules the next try.
  }

  private void connected(Link connected) {
    if (closed || link != connected) {
      connected.client.disconnect(); // A reconnect under way when replaced or closed.
      return;
    }
    refusedSinceNanos = 0;
    long timeout = settings.timeout().toMillis();
    connected
        .client
        .subscribeWith()
        .topicFilter(connected.access.desiredTopic())
        .qos(MqttQos.AT_LEAST_ONCE)
        .send()
        .orTimeout(timeout, TimeUnit.MILLISECONDS)
        .thenCompose(
            ack -> {
              refuseFailed(ack, connected.access.desiredTopic());
              return presence(connected, PushAccess.ONLINE);
            })
        .whenComplete(
            (published, e) -> {
              try {
                if (closed || link != connected) {
                  return;
                }
                if (e != null) {
                  setupFailures.incrementAndGet();
                  say(
                      System.Logger.Level.WARNING,
                      "push: "
                          + MqttClients.why(connected.broker, e, CREDENTIALS_HINT)
                          + "; polling, trying again");
                  connected.client.disconnect(); // The disconnected listener tries again.
                  return;
                }
                presenceSentNanos = System.nanoTime();
                subscribed = true;
                setupFailures.set(0);
                downSinceNanos = 0;
                say(
                    System.Logger.Level.INFO,
                    "push: subscribed to desired-state changes on "
                        + connected.broker.url()
                        + " as "
                        + connected.access.username());
                wake.run(); // Whatever changed while away is asked for now.
              } catch (Throwable t) {
                LOG.log(System.Logger.Level.ERROR, "push: subscribe failed: " + t, t);
              }
            });
  }

  /**
   * Publishes {@link PushAccess#ONLINE} again, without waiting: the hub ages a presence that is not
   * refreshed, so that a device whose death no will announced stops counting as online.
   */
  private void refreshPresence(Link current, long now) {
    presenceSentNanos = now;
    presence(current, PushAccess.ONLINE)
        .whenComplete(
            (published, e) -> {
              if (e != null && link == current && !closed) {
                say(
                    System.Logger.Level.WARNING,
                    "push: presence not refreshed: "
                        + MqttClients.why(current.broker, e, CREDENTIALS_HINT));
              }
            });
  }

  /** Publishes the device's retained presence, {@code state}, bounded by the time-out. */
  private CompletableFuture<Mqtt5PublishResult> presence(Link on, String state) {
    return on.client
        .publishWith()
        .topic(on.access.presenceTopic())
        .payload(state.getBytes(StandardCharsets.UTF_8))
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .send()
        .orTimeout(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private static void refuseFailed(Mqtt5SubAck ack, String topic) {
    if (ack.getReasonCodes().stream().anyMatch(c -> c.isError())) {
      throw new IllegalStateException(
          "the broker refused the subscription to '" + topic + "': " + ack.getReasonCodes());
    }
  }

  private void disconnected(Link lost, MqttClientDisconnectedContext context) {
    try {
      if (closed || link != lost) {
        context.getReconnector().reconnect(false);
        return;
      }
      boolean was = subscribed;
      subscribed = false;
      if (downSinceNanos == 0) {
        downSinceNanos = System.nanoTime();
      }
      if (MqttClients.refusedCredentials(context.getCause())) {
        if (refusedSinceNanos == 0) {
          refusedSinceNanos = System.nanoTime();
        }
      } else {
        refusedSinceNanos = 0;
      }
      say(
          System.Logger.Level.WARNING,
          "push: "
              + MqttClients.why(lost.broker, context.getCause(), CREDENTIALS_HINT)
              + "; polling until it reconnects");
      // The reconnector counts attempts since the last CONNACK; a broker that accepts the
      // connection and then refuses the subscription or the presence would be tried every second.
      int attempts = Math.max(context.getReconnector().getAttempts() + 1, setupFailures.get());
      context
          .getReconnector()
          .reconnect(true)
          .delay(settings.reconnect().delay(attempts).toMillis(), TimeUnit.MILLISECONDS);
      if (was) {
        wake.run(); // The loop sleeps on push: it long-polls again from now.
      }
    } catch (Throwable t) {
      // Error included: the listener must always leave a reconnect scheduled or say why not.
      LOG.log(System.Logger.Level.ERROR, "push: cannot reconnect: " + t, t);
    }
  }

  /** Stops {@code old} from reconnecting; it holds credentials no longer valid. */
  private void drop(Link old) {
    if (link == old) {
      link = null;
      subscribed = false;
    }
    old.client.disconnect(); // Fails harmlessly when not connected; the listener ends retries.
  }

  /** Logs {@code message} once while it stays the same, so a broker down for hours logs once. */
  private void say(System.Logger.Level level, String message) {
    if (!message.equals(lastLogged)) {
      lastLogged = message;
      LOG.log(level, message);
    }
  }

  /**
   * Stops the background thread, publishes the retained {@link PushAccess#OFFLINE} presence (a
   * clean disconnect sends no will) and disconnects, each step bounded by the time-out.
   */
  @Override
  public void close() {
    closed = true;
    BackgroundThreads.stop(thread, "push subscription");
    Link current = link;
    if (current == null) {
      return;
    }
    long timeout = settings.timeout().toMillis();
    boolean was = subscribed;
    subscribed = false;
    try {
      if (was) {
        presence(current, PushAccess.OFFLINE).get();
      }
    } catch (Exception e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "push: offline presence not published: {0}",
          MqttClients.why(current.broker, e, CREDENTIALS_HINT));
    }
    CompletableFuture<Void> disconnected = current.client.disconnect();
    try {
      disconnected.get(timeout, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "push: disconnect: {0}",
          MqttClients.why(current.broker, e, CREDENTIALS_HINT));
    }
  }

  @Override
  public String toString() {
    Link current = link;
    return "PushSubscription[device="
        + deviceId
        + ", broker="
        + (current == null ? "none" : current.broker.url())
        + ", connected="
        + connected()
        + "]";
  }
}
