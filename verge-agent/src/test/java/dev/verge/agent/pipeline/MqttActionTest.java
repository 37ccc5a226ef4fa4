package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.Engines;
import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.Http;
import dev.verge.agent.TestBundles;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.core.json.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Publish-to-MQTT as a rule's action, against a real mosquitto: every firing arrives. */
class MqttActionTest {
  private static final String PUSH = "/verge/v1/pipelines/watched/readings";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  FakeHub hub;
  TestBundles bundles;
  MosquittoBroker broker;
  final List<JsonNode> received = new CopyOnWriteArrayList<>();
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() {
    hub = new FakeHub();
    bundles = new TestBundles(dir.resolve("publisher"));
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    broker = MosquittoBroker.start(dir.resolve("broker"));
    open.add(broker);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    hub.close();
  }

  private Agent agent() {
    Action.PublishMqtt publish =
        new Action.PublishMqtt(
            new MqttBroker(broker.url(), null, null, null, null, Duration.ofSeconds(5)),
            "alerts/pump-1",
            1,
            false);
    PipelineSpec spec =
        new PipelineSpec(
            "watched",
            new Source.Push(null),
            new Schedule.Every(Duration.ofHours(1)),
            "pump",
            new InputMapping(
                null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
            List.of(
                new Rule(
                    "failure risk",
                    Rule.parse("output[1] > 0.5"),
                    List.of(publish),
                    Duration.ZERO)));
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("device"))
                .withBindAddress("127.0.0.1")
                .withPort(0)
                .withEnrollmentToken(FakeHub.TOKEN)
                .withDevice("edge", Map.of())
                .withTrustedKeys(List.of(bundles.publicKey()))
                .withPollInterval(Duration.ofHours(1))
                .withForwarding(Duration.ofHours(1), 500)
                .withPipelines(List.of(spec)),
            Engines.ONNX);
    open.add(agent);
    agent.syncNow();
    return agent;
  }

  /** A subscriber with a persistent session: what is published while it is away waits for it. */
  private void subscribe() throws Exception {
    Mqtt5AsyncClient client =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("test-subscriber")
            .serverHost("127.0.0.1")
            .serverPort(broker.port())
            .automaticReconnect()
            .initialDelay(100, TimeUnit.MILLISECONDS)
            .maxDelay(500, TimeUnit.MILLISECONDS)
            .applyAutomaticReconnect()
            .buildAsync();
    client
        .connectWith()
        .cleanStart(false)
        .sessionExpiryInterval(3600)
        .send()
        .get(10, TimeUnit.SECONDS);
    client
        .subscribeWith()
        .topicFilter("alerts/#")
        .qos(MqttQos.AT_LEAST_ONCE)
        .callback(p -> received.add(Json.tree(p.getPayloadAsBytes())))
        .send()
        .get(10, TimeUnit.SECONDS);
    open.add(() -> client.disconnect());
  }

  private void push(Agent agent, int from, int to) {
    try (Http http = new Http(agent.inferenceUrl())) {
      for (int i = from; i < to; i++) {
        Http.Response r = http.post(PUSH, "{\"a\": 3, \"b\": 3, \"n\": " + i + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(202);
      }
    }
  }

  /** The readings the firings received came from, each once. */
  private List<Integer> numbers() {
    return received.stream()
        .map(f -> f.path("details").path("fields").path("n").asInt())
        .distinct()
        .toList();
  }

  private static long fired(Agent agent) {
    return agent.status().pipelines().getFirst().fired();
  }

  @Test
  void a_firing_is_published_with_its_pipeline_rule_model_reading_outputs_and_time()
      throws Exception {
    subscribe();
    Agent agent = agent();

    push(agent, 0, 1);
    Eventually.await("a firing", WAIT, () -> received.size() == 1);

    JsonNode firing = received.getFirst();
    assertThat(firing.path("pipeline").asText()).isEqualTo("watched");
    assertThat(firing.path("rule").asText()).isEqualTo("failure risk");
    assertThat(firing.path("model").asText()).isEqualTo("pump");
    assertThat(firing.path("version").asLong()).isEqualTo(1);
    assertThat(Instant.parse(firing.path("time").asText())).isBeforeOrEqualTo(Instant.now());
    assertThat(firing.path("details").path("reading").asText()).startsWith("push #");
    assertThat(firing.path("details").path("fields").path("a").asDouble()).isEqualTo(3);
    assertThat(firing.path("details").path("outputs").path("output[1]").asDouble())
        .isGreaterThan(0.99);
  }

  @Test
  void firings_made_while_the_broker_is_down_all_arrive_once_it_is_back_even_across_a_restart()
      throws Exception {
    subscribe();
    Agent agent = agent();
    push(agent, 0, 5);
    Eventually.await("5 firings", WAIT, () -> received.size() == 5);

    broker.kill();
    push(agent, 5, 15);
    Eventually.await("15 fired", WAIT, () -> fired(agent) == 15);
    agent.close(); // 10 wait in pipelines.db for a broker that is not there.
    broker.restart();
    Agent restarted = agent();
    push(restarted, 15, 20);

    Eventually.await("20 firings (" + received.size() + ")", WAIT, () -> numbers().size() == 20);
    // At least once: a firing whose PUBACK was lost may come twice, none may be missing.
    assertThat(numbers())
        .containsExactlyInAnyOrderElementsOf(
            java.util.stream.IntStream.range(0, 20).boxed().toList());
    try (PipelineStore store =
        PipelineStore.open(dir.resolve("device").resolve(PipelineStore.FILE))) {
      Eventually.await(
          "the outbox empty",
          () ->
              store.pendingOutgoing(
                      MqttPublisher.outlet(
                          "watched",
                          new Action.PublishMqtt(
                              new MqttBroker(
                                  broker.url(), null, null, null, null, Duration.ofSeconds(5)),
                              "alerts/pump-1",
                              1,
                              false)))
                  == 0);
    }
  }
}
