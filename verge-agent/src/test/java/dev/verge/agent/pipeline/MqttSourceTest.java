package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.Engines;
import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.TestBundles;
import dev.verge.agent.internal.Backoff;
import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.core.api.PredictionRecord;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An MQTT topic as a pipeline's source, against a real mosquitto: nothing published is lost. */
class MqttSourceTest {
  private static final String TOPIC = "sensors/pump-1";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  FakeHub hub;
  TestBundles bundles;
  MosquittoBroker broker;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void start() {
    hub = new FakeHub();
    bundles = new TestBundles(dir.resolve("publisher"));
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    hub.close();
  }

  private MosquittoBroker broker(Map<String, String> users) {
    broker = MosquittoBroker.start(dir.resolve("broker"), users);
    open.add(broker);
    return broker;
  }

  private Agent agent(Source.Mqtt source) {
    PipelineSpec spec =
        new PipelineSpec(
            "sensed",
            source,
            new Schedule.Every(Duration.ofHours(1)), // Only a message wakes it.
            "pump",
            new InputMapping(
                null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
            List.of());
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("device"))
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

  private static Source.Mqtt source(URI url, String user, String password, int maxKb) {
    return new Source.Mqtt(
        new MqttBroker(url, null, user, password, null, Duration.ofSeconds(5)),
        "sensors/+",
        1,
        maxKb * 1024,
        Duration.ofDays(1));
  }

  private Mqtt5BlockingClient publisher(String user, String password) {
    var builder =
        MqttClient.builder()
            .useMqttVersion5()
            .identifier("test-publisher-" + System.nanoTime())
            .serverHost("127.0.0.1")
            .serverPort(broker.port());
    if (broker.certificate() != null) {
      builder = builder.sslConfig(MqttClients.ssl(broker.certificate()));
    }
    if (user != null) {
      builder = builder.simpleAuth().username(user).password(password.getBytes()).applySimpleAuth();
    }
    Mqtt5BlockingClient client = builder.buildBlocking();
    client.connect();
    open.add(
        () -> {
          if (client.getState().isConnected()) {
            client.disconnect();
          }
        });
    return client;
  }

  private static void publish(Mqtt5BlockingClient client, String payload) {
    client
        .publishWith()
        .topic(TOPIC)
        .qos(MqttQos.AT_LEAST_ONCE)
        .payload(payload.getBytes(StandardCharsets.UTF_8))
        .send();
  }

  private static PipelineStatus status(Agent agent) {
    return agent.status().pipelines().getFirst();
  }

  /** The broker logged a subscription; on time-out the failure shows the broker's log. */
  private void awaitSubscribed() {
    try {
      Eventually.await("subscribed", WAIT, () -> broker.log().contains("SUBSCRIBE"));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the broker's log:\n" + broker.log(), e);
    }
  }

  /** The pipeline subscribed: a first reading went through. */
  private static void awaitPredictions(Agent agent, long n) {
    Eventually.await(
        n + " predictions (" + status(agent) + ")", WAIT, () -> status(agent).predictions() >= n);
  }

  private void awaitNothingKept() {
    try (PipelineStore store =
        PipelineStore.open(dir.resolve("device").resolve(PipelineStore.FILE))) {
      Eventually.await(
          "the kept readings recorded", WAIT, () -> store.pendingReadings("sensed") == 0);
    }
  }

  /** The distinct output[1] values recorded: one per distinct reading here. */
  private java.util.Set<Double> recordedOutputs(Agent agent) {
    agent.flushAll();
    return hub.predictions().stream()
        .filter(r -> r.requestId() != null && r.requestId().startsWith("sensed:"))
        .map(r -> r.outputs().get(0).path("data").get(1).asDouble())
        .collect(java.util.stream.Collectors.toSet());
  }

  private List<String> recorded(Agent agent) {
    agent.flushAll();
    return hub.predictions().stream()
        .map(PredictionRecord::requestId)
        .filter(id -> id != null && id.startsWith("sensed:"))
        .toList();
  }

  @Test
  void readings_from_a_topic_are_predicted_and_recorded_one_object_an_array_or_json_lines() {
    broker(Map.of());
    Agent agent = agent(source(broker.url(), null, null, 64));
    Mqtt5BlockingClient client = publisher(null, null);

    awaitSubscribed();
    publish(client, "{\"a\": 3, \"b\": 3}");
    publish(client, "[{\"a\": 0, \"b\": 0}, {\"a\": 1, \"b\": 1}]");
    publish(client, "{\"a\": 2, \"b\": 2}\n{\"a\": 4, \"b\": 4}\n");
    awaitPredictions(agent, 5);

    assertThat(recorded(agent)).hasSize(5).allMatch(id -> id.startsWith("sensed:mqtt #"));
    PredictionRecord first =
        hub.predictions().stream()
            .filter(r -> r.requestId().startsWith("sensed:"))
            .findFirst()
            .orElseThrow();
    assertThat(first.outputs().get(0).path("data").get(1).asDouble()).isGreaterThan(0.99);
    assertThat(status(agent).lastError()).isNull();
  }

  @Test
  void messages_published_while_the_agent_was_stopped_arrive_after_it_starts_again() {
    broker(Map.of());
    Agent agent = agent(source(broker.url(), null, null, 64));
    Mqtt5BlockingClient client = publisher(null, null);
    awaitSubscribed();
    publish(client, "{\"a\": 1, \"b\": 1}");
    awaitPredictions(agent, 1);
    awaitNothingKept(); // Else the restart predicts it again: a pipeline reads at least once.
    agent.close();

    for (int i = 0; i < 20; i++) {
      publish(client, "{\"a\": " + i + ", \"b\": 1}");
    }
    Agent restarted = agent(source(broker.url(), null, null, 64));
    awaitPredictions(restarted, 20);

    assertThat(recorded(restarted)).hasSize(21).doesNotHaveDuplicates();
  }

  @Test
  void a_message_bigger_than_the_limit_is_refused_with_its_reason_and_the_next_is_read() {
    broker(Map.of());
    List<String> warnings = new CopyOnWriteArrayList<>();
    Handler handler =
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            warnings.add(new SimpleFormatter().formatMessage(r));
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    Logger.getLogger("").addHandler(handler);
    open.add(() -> Logger.getLogger("").removeHandler(handler));
    Agent agent = agent(source(broker.url(), null, null, 1));
    Mqtt5BlockingClient client = publisher(null, null);
    awaitSubscribed();

    String big = "[" + "{\"a\": 1, \"b\": 1},".repeat(100) + "{\"a\": 1, \"b\": 1}]";
    publish(client, big);
    publish(client, "{\"a\": 2, \"b\": 2}");
    awaitPredictions(agent, 1);

    Eventually.await("one refused", WAIT, () -> status(agent).rejected() == 1);
    assertThat(status(agent).predictions()).isEqualTo(1);
    assertThat(warnings)
        .anyMatch(
            w ->
                w.contains("MQTT message on '" + TOPIC + "' is " + big.length() + " bytes")
                    && w.contains("larger than max-message-kb (1 KiB)"));
  }

  @Test
  void the_broker_killed_and_restarted_mid_run_loses_nothing() {
    broker(Map.of());
    Agent agent = agent(source(broker.url(), null, null, 64));
    Mqtt5BlockingClient client = publisher(null, null);
    awaitSubscribed();
    for (int i = 0; i < 10; i++) {
      publish(client, "{\"a\": " + i / 20.0 + ", \"b\": 1}");
    }
    awaitPredictions(agent, 10);

    broker.kill();
    broker.restart();
    Mqtt5BlockingClient again = publisher(null, null);
    for (int i = 10; i < 30; i++) {
      publish(again, "{\"a\": " + i / 20.0 + ", \"b\": 1}");
    }
    awaitPredictions(agent, 30);

    // At least once: a message kept and acknowledged just before the SIGKILL may come again (the
    // broker had not saved the acknowledgement); none may be missing. Each a gives its own output.
    Eventually.await(
        "30 different readings recorded", WAIT, () -> recordedOutputs(agent).size() == 30);
    assertThat(recorded(agent)).hasSizeGreaterThanOrEqualTo(30);
  }

  @Test
  void a_message_is_acknowledged_only_once_kept_so_a_crash_before_that_loses_nothing() {
    broker(Map.of());
    Source.Mqtt spec =
        new Source.Mqtt(
            new MqttBroker(broker.url(), "crash-test", null, null, null, Duration.ofSeconds(5)),
            "sensors/#",
            1,
            64 * 1024,
            Duration.ofDays(1));
    Backoff quick = new Backoff(Duration.ofMillis(10), Duration.ofMillis(50));
    java.util.concurrent.atomic.AtomicInteger tries =
        new java.util.concurrent.atomic.AtomicInteger();
    try (PipelineStore store = PipelineStore.open(dir.resolve("pipelines.db"))) {
      MqttSource failing =
          new MqttSource(
              "p",
              "dev",
              spec,
              store,
              quick,
              (pipeline, readings) -> {
                tries.incrementAndGet();
                throw new PipelineException("the disk is gone");
              });
      failing.start();
      awaitSubscribed();
      publish(publisher(null, null), "{\"a\": 7, \"b\": 1}");
      Eventually.await("tries to keep it", WAIT, () -> tries.get() >= 2);
      failing.close(); // As a crash would: never kept, so never acknowledged.
      assertThat(store.pendingReadings("p")).isZero();

      MqttSource again = new MqttSource("p", "dev", spec, store, quick);
      open.add(again);
      again.start();
      Eventually.await("sent again and kept", WAIT, () -> store.pendingReadings("p") == 1);

      assertThat(again.read(10).readings())
          .singleElement()
          .satisfies(r -> assertThat(r.number("a")).isEqualTo(7));
    }
  }

  @Test
  void over_tls_a_broker_is_trusted_through_its_ca_file_and_refused_naming_it_without() {
    broker = MosquittoBroker.startTls(dir.resolve("broker"));
    open.add(broker);
    Agent untrusted =
        agent(
            new Source.Mqtt(
                new MqttBroker(broker.url(), null, null, null, null, Duration.ofSeconds(5)),
                "sensors/+",
                1,
                64 * 1024,
                Duration.ofDays(1)));
    Eventually.await(
        "the refusal in the status", WAIT, () -> status(untrusted).lastError() != null);
    assertThat(status(untrusted).lastError()).startsWith("MQTT broker " + broker.url() + ": ");
    untrusted.close();

    Agent trusted =
        agent(
            new Source.Mqtt(
                new MqttBroker(
                    broker.url(), null, null, null, broker.certificate(), Duration.ofSeconds(5)),
                "sensors/+",
                1,
                64 * 1024,
                Duration.ofDays(1)));
    Mqtt5BlockingClient client = publisher(null, null);
    awaitSubscribed();
    publish(client, "{\"a\": 1, \"b\": 1}");
    awaitPredictions(trusted, 1);
    assertThat(status(trusted).lastError()).isNull();
  }

  @Test
  void a_broker_that_is_down_holds_up_neither_the_agent_nor_another_pipeline() throws Exception {
    int closed;
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort(); // Nothing listens there once this is closed.
    }
    URI down = URI.create("tcp://127.0.0.1:" + closed);
    PipelineSpec waiting =
        new PipelineSpec(
            "sensed",
            source(down, null, null, 64),
            new Schedule.Every(Duration.ofHours(1)),
            "pump",
            new InputMapping(
                null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
            List.of());
    PipelineSpec pushed =
        new PipelineSpec(
            "pushed",
            new Source.Push(null),
            new Schedule.Every(Duration.ofHours(1)),
            "pump",
            waiting.input(),
            List.of());
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
                .withPipelines(List.of(waiting, pushed)),
            Engines.ONNX);
    open.add(agent);
    agent.syncNow();
    try (dev.verge.agent.Http http = new dev.verge.agent.Http(agent.inferenceUrl())) {
      assertThat(http.post("/verge/v1/pipelines/pushed/readings", "{\"a\": 1, \"b\": 1}").status())
          .isEqualTo(202);
    }

    Eventually.await(
        "the pushed reading predicted",
        WAIT,
        () -> agent.status().pipelines().get(1).predictions() == 1);
    Eventually.await(
        "the broker named in the status", WAIT, () -> status(agent).lastError() != null);
    assertThat(status(agent).lastError()).startsWith("MQTT broker " + down + ": ");
  }

  @Test
  void a_retained_reading_is_read_once_not_again_after_each_reconnect() {
    broker(Map.of());
    Agent agent = agent(source(broker.url(), null, null, 64));
    awaitSubscribed();
    publisher(null, null)
        .publishWith()
        .topic(TOPIC)
        .qos(MqttQos.AT_LEAST_ONCE)
        .retain(true)
        .payload("{\"a\": 1, \"b\": 1}".getBytes(StandardCharsets.UTF_8))
        .send();
    awaitPredictions(agent, 1);
    awaitNothingKept();

    broker.restart(); // The agent reconnects, resumes its session and subscribes again.
    Eventually.await(
        "subscribed again",
        WAIT,
        () -> broker.log().lastIndexOf("SUBSCRIBE") > broker.log().lastIndexOf("starting"));
    Mqtt5BlockingClient client = publisher(null, null);
    publish(client, "{\"a\": 2, \"b\": 2}");
    awaitPredictions(agent, 2);

    assertThat(recorded(agent)).hasSize(2);
  }

  @Test
  void wrong_credentials_give_a_clear_error_naming_the_broker_and_not_the_password() {
    broker(Map.of("edge", "right-one"));
    Agent wrong = agent(source(broker.url(), "edge", "wrong-one", 64));

    Eventually.await(
        "the refusal in the status",
        WAIT,
        () -> status(wrong).lastError() != null && status(wrong).lastError().contains("refused"));
    // mosquitto 2.0 answers a wrong password with NOT_AUTHORIZED, not BAD_USER_NAME_OR_PASSWORD.
    assertThat(status(wrong).lastError())
        .isEqualTo(
            "MQTT broker "
                + broker.url()
                + " refused the connection: NOT_AUTHORIZED (check mqtt.username and"
                + " the password it reads)")
        .doesNotContain("wrong-one");
    assertThat(status(wrong).state()).isEqualTo("FAILING");
    wrong.close();

    Agent right = agent(source(broker.url(), "edge", "right-one", 64));
    Mqtt5BlockingClient client = publisher("edge", "right-one");
    awaitSubscribed();
    publish(client, "{\"a\": 1, \"b\": 1}");
    awaitPredictions(right, 1);
  }
}
