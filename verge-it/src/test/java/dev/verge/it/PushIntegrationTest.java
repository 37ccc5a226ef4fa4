package dev.verge.it;

import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.verge.agent.Agent;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.agent.push.PushAccessFile;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.PushAccess;
import dev.verge.hub.push.PushConfig;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Desired-state push end to end: a real hub writing a real mosquitto's password and ACL files, and
 * a real agent that hears changes over MQTT instead of long-polling.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PushIntegrationTest {
  /** Short, so that staying online can only come from presence: the agent reports every 5 min. */
  private static final Duration OFFLINE_AFTER = Duration.ofSeconds(3);

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path root;
  private MosquittoBroker broker;
  private Fleet fleet;

  @BeforeEach
  void start() {
    Path files = root.resolve("broker-files");
    broker = MosquittoBroker.startWithFiles(root.resolve("broker"), files);
    fleet =
        new Fleet(
            root,
            hub ->
                hub.withDeviceOfflineAfter(OFFLINE_AFTER)
                    .withPush(
                        PushConfig.of(broker.url())
                            .withBrokerFiles(files, broker.reloadCommand())));
  }

  @AfterEach
  void stop() {
    if (fleet != null) {
      fleet.close();
    }
    broker.close();
  }

  @Test
  void a_label_change_reaches_a_pushed_agent_at_once_and_presence_keeps_it_online()
      throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    fleet.publish("pump", 1, TestModels.logistic(1f), publisher);
    DeploymentView deployment = fleet.deploy("pump", 1, Map.of("site", "b"));
    Agent agent = fleet.agent("edge", Map.of("site", "a"), publisher.publicKey());
    String device = agent.deviceId();
    await("the hub to hear the agent online on the broker", () -> fleet.hub.push().present() == 1);

    // Seconds without a call to the hub: the agent neither long-polls nor reports meanwhile, yet
    // stays online, from its presence on the broker alone.
    Thread.sleep(OFFLINE_AFTER.multipliedBy(2).toMillis());
    assertThat(fleet.admin.device(device).online()).as("online from presence").isTrue();

    // A change made on the hub reaches the agent over MQTT: with push up it would otherwise ask
    // only every 5 minutes.
    long published = fleet.hub.push().published();
    fleet.admin.changeLabels(device, new LabelChange(Map.of("site", "b"), List.of()));
    await(
        "the agent to install v1 after the label change",
        () -> fleet.admin.deployment(deployment.id()).counts().active() == 1);
    assertThat(fleet.hub.push().published()).isGreaterThan(published);
    assertThat(metrics())
        .contains("verge_hub_push_connected 1.0")
        .contains("verge_hub_push_devices_present 1.0")
        .containsPattern("verge_hub_push_published_total [1-9]")
        .contains("verge_hub_push_credentials_issued_total 1.0");

    // A stopped agent says offline on the broker, and the hub counts it offline soon after.
    agent.close();
    await("the hub to hear the agent leave", () -> fleet.hub.push().present() == 0);
    await("the device to be offline", () -> !fleet.admin.device(device).online());
  }

  @Test
  void a_device_credential_hears_and_speaks_for_its_own_device_only() throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    Agent agent = fleet.agent("edge", Map.of(), publisher.publicKey());
    await("the hub to hear the agent online", () -> fleet.hub.push().present() == 1);
    PushAccess access =
        new PushAccessFile(root.resolve("agents/edge").resolve(PushAccessFile.NAME))
            .read(agent.deviceId())
            .orElseThrow();
    Mqtt5BlockingClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("intruder")
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .simpleAuth()
            .username(access.username())
            .password(access.password().getBytes(StandardCharsets.UTF_8))
            .applySimpleAuth()
            .buildBlocking();
    client.connect();
    String someoneElse = "dev-someone-else";
    try (Mqtt5BlockingClient.Mqtt5Publishes received =
        client.publishes(MqttGlobalPublishFilter.SUBSCRIBED)) {
      // mosquitto grants any subscription and checks the ACL on delivery.
      subscribe(client, access.desiredTopic());
      subscribe(client, PushAccess.desiredTopic(someoneElse));
      long published = fleet.hub.push().published();
      fleet.hub.push().changed(someoneElse);
      await("the hub's publish to another device", () -> fleet.hub.push().published() > published);
      fleet.hub.push().changed(agent.deviceId());

      Optional<Mqtt5Publish> first = received.receive(20, TimeUnit.SECONDS);
      assertThat(first).as("the message to its own topic").isPresent();
      assertThat(first.get().getTopic().toString()).isEqualTo(access.desiredTopic());
      assertThat(received.receive(500, TimeUnit.MILLISECONDS))
          .as("nothing published to another device's topic")
          .isEmpty();

      // Nor may it speak for another device: the broker refuses that presence.
      assertThatThrownBy(
              () -> publish(client, PushAccess.presenceTopic(someoneElse), PushAccess.ONLINE))
          .isInstanceOfSatisfying(
              Mqtt5PubAckException.class,
              e ->
                  assertThat(e.getMqttMessage().getReasonCode())
                      .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
      assertThat(fleet.hub.push().present()).isEqualTo(1);
    } finally {
      if (client.getState().isConnected()) {
        client.disconnect();
      }
    }
  }

  private static void publish(Mqtt5BlockingClient client, String topic, String body) {
    client
        .publishWith()
        .topic(topic)
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .payload(body.getBytes(StandardCharsets.UTF_8))
        .send();
  }

  private static Mqtt5SubAck subscribe(Mqtt5BlockingClient client, String filter) {
    return client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
  }

  private String metrics() throws Exception {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(fleet.hub.url() + "/metrics"))
                .header("Authorization", "Bearer " + fleet.hub.adminToken())
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return answer.body();
  }
}
