package dev.verge.agent.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.verge.agent.Eventually;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.agent.sync.PushOffer;
import dev.verge.core.api.PushAccess;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The desired-state push subscription against a real mosquitto that checks passwords. */
class PushSubscriptionTest {
  private static final String DEVICE = "dev-1";
  private static final String PASSWORD = "fresh-push-password";
  private static final Duration WAIT = Duration.ofSeconds(20);

  /** Short waits, so refusals, renewals and reconnects happen within a test. */
  private static final PushSubscription.Settings FAST =
      new PushSubscription.Settings(
          Duration.ofSeconds(5),
          Duration.ofMillis(500),
          Duration.ofMillis(300),
          Duration.ofSeconds(1),
          Duration.ofMinutes(1),
          new Backoff(Duration.ofMillis(100), Duration.ofMillis(500)),
          Duration.ofMillis(50),
          Duration.ofMinutes(5));

  @TempDir Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final AtomicInteger wakes = new AtomicInteger();
  private final AtomicInteger asks = new AtomicInteger();
  private MosquittoBroker broker;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
  }

  private MosquittoBroker broker() {
    broker =
        MosquittoBroker.start(
            dir.resolve("broker"), Map.of(DEVICE, PASSWORD, "observer", "observer-password"));
    open.add(broker);
    return broker;
  }

  private static PushAccess access(URI broker, String password) {
    return new PushAccess(
        broker.toString(),
        DEVICE,
        password,
        PushAccess.desiredTopic(DEVICE),
        PushAccess.presenceTopic(DEVICE));
  }

  private PushAccessFile file() {
    return new PushAccessFile(dir.resolve(PushAccessFile.NAME));
  }

  /** A subscription whose hub answers what {@code hub} gives, counting the asks. */
  private PushSubscription subscription(Supplier<PushOffer> hub) {
    return subscription(hub, FAST);
  }

  private PushSubscription subscription(
      Supplier<PushOffer> hub, PushSubscription.Settings settings) {
    PushSubscription push =
        new PushSubscription(
            DEVICE,
            () -> {
              asks.incrementAndGet();
              return hub.get();
            },
            file(),
            wakes::incrementAndGet,
            settings);
    open.add(push);
    push.start();
    return push;
  }

  private PushSubscription connected(Supplier<PushOffer> hub) {
    PushSubscription push = subscription(hub);
    awaitConnected(push);
    return push;
  }

  private void awaitConnected(PushSubscription push) {
    try {
      Eventually.await("the push subscription to connect", WAIT, push::connected);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\nbroker log:\n" + broker.log(), e);
    }
  }

  /** A second, plain client on the broker, as the hub is. */
  private Mqtt5BlockingClient observer() {
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("observer-" + System.nanoTime())
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .simpleAuth()
            .username("observer")
            .password("observer-password".getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildBlocking();
    client.connect();
    open.add(
        () -> {
          if (client.getState().isConnected()) {
            client.disconnect();
          }
        });
    return client;
  }

  /** The presence messages the observer receives from now on, retained ones included. */
  private List<String> presence(Mqtt5BlockingClient observer) {
    List<String> seen = new CopyOnWriteArrayList<>();
    observer
        .toAsync()
        .publishes(
            MqttGlobalPublishFilter.SUBSCRIBED,
            p -> seen.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
    observer
        .subscribeWith()
        .topicFilter(PushAccess.presenceTopic(DEVICE))
        .qos(MqttQos.AT_LEAST_ONCE)
        .send();
    return seen;
  }

  /** The retained presence now, as a hub that subscribes afresh reads it. */
  private String retainedPresence() throws InterruptedException {
    Mqtt5BlockingClient observer = observer();
    try (Mqtt5BlockingClient.Mqtt5Publishes publishes =
        observer.publishes(MqttGlobalPublishFilter.ALL)) {
      observer
          .subscribeWith()
          .topicFilter(PushAccess.presenceTopic(DEVICE))
          .qos(MqttQos.AT_LEAST_ONCE)
          .send();
      Optional<Mqtt5Publish> retained = publishes.receive(5, TimeUnit.SECONDS);
      assertThat(retained).as("a retained presence message").isPresent();
      assertThat(retained.get().isRetain()).isTrue();
      return new String(retained.get().getPayloadAsBytes(), StandardCharsets.UTF_8);
    } finally {
      observer.disconnect();
    }
  }

  private static void publishDesired(Mqtt5BlockingClient observer) {
    observer
        .publishWith()
        .topic(PushAccess.desiredTopic(DEVICE))
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{\"revision\":\"r2\"}".getBytes(StandardCharsets.UTF_8))
        .send();
  }

  @Test
  void connects_with_the_hubs_credentials_and_announces_itself_online() throws Exception {
    broker();

    PushSubscription push = connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)));

    // The flag is set before the wake, so a woken loop sees push up.
    Eventually.await("a wake on connect", WAIT, () -> wakes.get() >= 1);
    assertThat(retainedPresence()).isEqualTo(PushAccess.ONLINE);
    assertThat(asks.get()).isEqualTo(1);
    assertThat(push.toString()).doesNotContain(PASSWORD);
    assertThat(broker.log()).contains("verge-" + DEVICE + "-push");
  }

  @Test
  void keeps_the_access_owner_only_and_a_restart_reuses_it() throws Exception {
    broker();
    connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD))).close();
    Path kept = dir.resolve(PushAccessFile.NAME);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)))
        .isEqualTo("rw-------");

    // The hub is away now: the restarted subscription needs nothing from it.
    connected(
        () -> {
          throw new IllegalStateException("hub unreachable");
        });

    assertThat(asks.get()).as("asked by the first run only").isEqualTo(1);
  }

  @Test
  void wakes_on_each_desired_state_message() {
    broker();
    connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)));
    Mqtt5BlockingClient hub = observer();
    int before = wakes.get();

    publishDesired(hub);
    Eventually.await("a wake for the first message", WAIT, () -> wakes.get() >= before + 1);
    publishDesired(hub);

    Eventually.await("a wake for the second message", WAIT, () -> wakes.get() >= before + 2);
  }

  @Test
  void wakes_again_when_the_broker_comes_back_after_a_kill() {
    broker();
    PushSubscription push = connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)));
    int before = wakes.get();

    broker.kill();
    // A wake on the loss too: the loop sleeping on push long-polls again.
    Eventually.await("a wake on the loss", WAIT, () -> wakes.get() > before);
    assertThat(push.connected()).isFalse();
    int whileDown = wakes.get();
    broker.restart();

    awaitConnected(push);
    Eventually.await("a wake on reconnect", WAIT, () -> wakes.get() > whileDown);
    Mqtt5BlockingClient hub = observer();
    int reconnected = wakes.get();
    publishDesired(hub);
    Eventually.await("a wake after the reconnect", WAIT, () -> wakes.get() > reconnected);
  }

  @Test
  void a_connected_device_refreshes_its_online_presence_for_the_hub_to_age() {
    broker();
    List<String> presence = presence(observer());
    PushSubscription.Settings refreshing =
        new PushSubscription.Settings(
            FAST.timeout(),
            FAST.refusedFor(),
            FAST.minAsk(),
            FAST.askAgain(),
            FAST.unreachableFor(),
            FAST.reconnect(),
            FAST.tick(),
            Duration.ofMillis(200));

    PushSubscription push =
        subscription(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)), refreshing);
    awaitConnected(push);

    // The observer saw the first online (retained or live) and then refreshes, each a live one.
    Eventually.await(
        "three refreshes after the first online",
        WAIT,
        () -> presence.stream().filter(PushAccess.ONLINE::equals).count() >= 4);
    assertThat(presence).doesNotContain(PushAccess.OFFLINE);
  }

  @Test
  void close_publishes_offline_presence_itself() throws Exception {
    broker();
    PushSubscription push = connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)));

    push.close();

    assertThat(push.connected()).isFalse();
    assertThat(retainedPresence()).isEqualTo(PushAccess.OFFLINE);
  }

  @Test
  void the_will_says_offline_when_the_connection_dies_uncleanly() throws Exception {
    broker();
    List<String> presence = presence(observer());
    try (Cut link = new Cut(broker.port())) {
      PushSubscription push = connected(() -> new PushOffer.Granted(access(link.url(), PASSWORD)));
      Eventually.await("online presence", WAIT, () -> presence.contains(PushAccess.ONLINE));

      link.close(); // The device's link dies: no DISCONNECT reaches the broker.

      Eventually.await("the will", WAIT, () -> presence.contains(PushAccess.OFFLINE));
      Eventually.await("the loss to be seen", WAIT, () -> !push.connected());
    }
    assertThat(retainedPresence()).isEqualTo(PushAccess.OFFLINE);
  }

  @Test
  void refused_credentials_bring_fresh_access_from_the_hub() {
    broker();
    // What a restart finds kept: a password the hub has since replaced.
    file().save(DEVICE, access(broker.url(), "replaced-password"));

    PushSubscription push = connected(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)));

    assertThat(asks.get()).isEqualTo(1);
    assertThat(file().read(DEVICE)).contains(access(broker.url(), PASSWORD));
    assertThat(push.connected()).isTrue();
  }

  @Test
  void refused_access_is_asked_for_again_at_most_once_per_interval() throws Exception {
    broker();
    // A hub whose broker has not taken its new passwords yet: refused every time.
    PushSubscription push =
        subscription(() -> new PushOffer.Granted(access(broker.url(), "not-yet-known")));

    Thread.sleep(2_000);

    assertThat(push.connected()).isFalse();
    // First ask at start; then one per refusal period (500 ms) at most, never faster than 300 ms.
    assertThat(asks.get()).isBetween(2, 2_000 / 300 + 1);
  }

  @Test
  void a_broker_unreachable_for_long_brings_fresh_access() throws IOException {
    broker();
    URI gone;
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      gone = URI.create("tcp://127.0.0.1:" + free.getLocalPort());
    }
    // Kept from a hub whose broker has since moved.
    file().save(DEVICE, access(gone, PASSWORD));
    PushSubscription.Settings settings =
        new PushSubscription.Settings(
            FAST.timeout(),
            FAST.refusedFor(),
            FAST.minAsk(),
            FAST.askAgain(),
            Duration.ofMillis(500),
            FAST.reconnect(),
            FAST.tick(),
            FAST.presenceRefresh());

    PushSubscription push =
        subscription(() -> new PushOffer.Granted(access(broker.url(), PASSWORD)), settings);

    awaitConnected(push);
    assertThat(asks.get()).isEqualTo(1);
  }

  @Test
  void a_hub_that_pushes_nothing_is_asked_again_later() {
    broker();
    file().save(DEVICE, access(broker.url(), "from-a-hub-that-pushed-before"));
    PushSubscription push =
        subscription(
            () ->
                asks.get() == 1
                    ? new PushOffer.None(409, "no push configured")
                    : new PushOffer.None(404, "the hub is older than push"));
    // The kept password is refused; the hub, asked, pushes nothing any more.

    Eventually.await("the hub asked twice", WAIT, () -> asks.get() >= 2);

    assertThat(push.connected()).isFalse();
    assertThat(file().read(DEVICE)).isEmpty();
  }

  /** A TCP relay to the broker that can be cut, as a link that dies without goodbye. */
  private static final class Cut implements AutoCloseable {
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    Cut(int brokerPort) throws IOException {
      server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
      acceptor =
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (!server.isClosed()) {
                      try {
                        Socket device = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
                        sockets.add(device);
                        sockets.add(upstream);
                        pump(device, upstream);
                        pump(upstream, device);
                      } catch (IOException e) {
                        return;
                      }
                    }
                  });
    }

    URI url() {
      return URI.create("tcp://127.0.0.1:" + server.getLocalPort());
    }

    private void pump(Socket from, Socket to) {
      Thread.ofVirtual()
          .start(
              () -> {
                try (InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream()) {
                  in.transferTo(out);
                } catch (IOException e) {
                  // Cut.
                } finally {
                  closeQuietly(from);
                  closeQuietly(to);
                }
              });
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing anyway.
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
      sockets.forEach(Cut::closeQuietly);
      try {
        acceptor.join(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
