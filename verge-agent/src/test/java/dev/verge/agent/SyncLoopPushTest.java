package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.agent.push.PushMode;
import dev.verge.core.api.PushAccess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's sync loop with desired-state push from the hub's broker (a real mosquitto): woken by
 * a push message it asks the hub at once and without a long poll; without push it long-polls as
 * before. The harness's poll interval is an hour, and the fake hub answers a long poll at once, so
 * without a wake the loop would sleep 30 s between polls.
 */
class SyncLoopPushTest extends AgentHarness {
  private static final String PASSWORD = "push-password";
  private static final Duration WAIT = Duration.ofSeconds(20);

  private MosquittoBroker broker;
  private Mqtt5BlockingClient observer;

  @AfterEach
  void stopBroker() {
    if (observer != null && observer.getState().isConnected()) {
      observer.disconnect();
    }
    if (broker != null) {
      broker.close();
    }
  }

  /** A broker, the hub's push access to it, and an observer of the device's presence. */
  private List<String> brokerWithPush() {
    broker =
        MosquittoBroker.start(
            dir.resolve("broker"), Map.of(FakeHub.DEVICE_ID, PASSWORD, "hub", "hub-password"));
    hub.pushAccess =
        new PushAccess(
            broker.url().toString(),
            FakeHub.DEVICE_ID,
            PASSWORD,
            PushAccess.desiredTopic(FakeHub.DEVICE_ID),
            PushAccess.presenceTopic(FakeHub.DEVICE_ID));
    observer =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("hub-observer")
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .simpleAuth()
            .username("hub")
            .password("hub-password".getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildBlocking();
    observer.connect();
    List<String> presence = new CopyOnWriteArrayList<>();
    observer
        .toAsync()
        .publishes(
            MqttGlobalPublishFilter.SUBSCRIBED,
            p -> presence.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)));
    observer
        .subscribeWith()
        .topicFilter(PushAccess.presenceTopic(FakeHub.DEVICE_ID))
        .qos(MqttQos.AT_LEAST_ONCE)
        .send();
    return presence;
  }

  private void publishDesiredChanged() {
    observer
        .publishWith()
        .topic(PushAccess.desiredTopic(FakeHub.DEVICE_ID))
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload("{}".getBytes(StandardCharsets.UTF_8))
        .send();
  }

  private List<FakeHub.Call> polls() {
    return hub.calls("GET", "/desired");
  }

  private static boolean isLongPoll(FakeHub.Call call) {
    return call.query() != null && call.query().contains("waitSeconds");
  }

  @Test
  void a_push_message_starts_a_cycle_at_once_and_no_long_poll_is_sent() {
    List<String> presence = brokerWithPush();
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    Http http = http(agent);
    Eventually.await("online presence", WAIT, () -> presence.contains(PushAccess.ONLINE));
    // The connect wakes the loop: it asks the hub without waiting, then sleeps on push.
    Eventually.await(
        "a poll without wait", WAIT, () -> polls().stream().anyMatch(c -> !isLongPoll(c)));
    Eventually.await("v1 serving", WAIT, () -> "1".equals(servingVersion(http)));
    int before = polls().size();

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    publishDesiredChanged();

    Eventually.await("v2 serving", Duration.ofSeconds(10), () -> "2".equals(servingVersion(http)));
    List<FakeHub.Call> since = polls().subList(before, polls().size());
    assertThat(since).isNotEmpty().noneMatch(SyncLoopPushTest::isLongPoll);
    assertThat(hub.calls("POST", "/push")).hasSize(1);

    agent.close();

    Eventually.await(
        "offline presence at close", WAIT, () -> presence.getLast().equals(PushAccess.OFFLINE));
  }

  @Test
  void a_restart_reuses_the_kept_push_access() {
    List<String> presence = brokerWithPush();
    Agent first = start();
    Eventually.await("online presence", WAIT, () -> presence.contains(PushAccess.ONLINE));
    first.close();
    presence.clear();

    start();

    Eventually.await("online presence", WAIT, () -> presence.contains(PushAccess.ONLINE));
    assertThat(hub.calls("POST", "/push")).as("asked by the first run only").hasSize(1);
  }

  @Test
  void without_push_on_the_hub_the_agent_long_polls() {
    // The fake hub answers 409: it pushes nothing.
    start();

    Eventually.await("the hub asked for push", WAIT, () -> !hub.calls("POST", "/push").isEmpty());
    assertThat(hub.calls("POST", "/push").getFirst().status()).isEqualTo(409);
    Eventually.await(
        "a long poll", WAIT, () -> polls().stream().anyMatch(SyncLoopPushTest::isLongPoll));
  }

  @Test
  void push_off_never_asks_the_hub() {
    brokerWithPush();

    start(config().withPush(PushMode.OFF));

    Eventually.await(
        "a long poll", WAIT, () -> polls().stream().anyMatch(SyncLoopPushTest::isLongPoll));
    assertThat(hub.calls("POST", "/push")).isEmpty();
  }

  /** The version that answers an inference now; null while none does. */
  private static String servingVersion(Http http) {
    Http.Response response = http.post("/v2/models/pump/infer", Http.logisticRequest("t", 1, 1));
    return response.status() == 200 ? response.json().path("model_version").asText() : null;
  }
}
