package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.Engines;
import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.Http;
import dev.verge.agent.InvalidConfigException;
import dev.verge.agent.TestBundles;
import dev.verge.agent.sync.HubException;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.api.PredictionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pipelines in a running agent: readings through the serving core, rules, events to the hub. */
class PipelineRunTest {
  @TempDir Path dir;
  FakeHub hub;
  TestBundles bundles;
  final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = new FakeHub();
    bundles = new TestBundles(dir.resolve("publisher"));
  }

  @AfterEach
  void stop() {
    agents.reversed().forEach(Agent::close);
    hub.close();
  }

  private Agent start(PipelineSpec... pipelines) {
    AgentConfig config =
        AgentConfig.defaults(hub.url(), dir.resolve("device"))
            .withPort(0)
            .withEnrollmentToken(FakeHub.TOKEN)
            .withDevice("far-edge", Map.of())
            .withTrustedKeys(List.of(bundles.publicKey()))
            .withPollInterval(Duration.ofHours(1))
            .withForwarding(Duration.ofHours(1), 500)
            .withPipelines(List.of(pipelines));
    Agent agent = Agent.start(config, Engines.ONNX);
    agents.add(agent);
    return agent;
  }

  private void servePump() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
  }

  /** The logistic model answers output[1] ≈ 1 for (3, 3) and ≈ 0.12 for (0, 0). */
  static PipelineSpec synthetic(String name, String model, double a, List<Rule> rules) {
    Source.Wave wave = new Source.Wave(a, 0, Duration.ofSeconds(10), 0, 0, 0);
    return new PipelineSpec(
        name,
        new Source.Synthetic(7, Map.of("a", wave, "b", wave), 1),
        new Schedule.Every(Duration.ofMillis(20)),
        model,
        new InputMapping(
            null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
        rules);
  }

  static List<Rule> notify(String condition) {
    return List.of(
        new Rule(
            "failure risk",
            Rule.parse(condition),
            List.of(new Action.RaiseEvent("critical", "pump failure risk")),
            null));
  }

  private static PipelineStatus status(Agent agent, String name) {
    return agent.status().pipelines().stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private List<PredictionRecord> recordedBy(String pipeline) {
    return hub.predictions().stream()
        .filter(r -> r.requestId() != null && r.requestId().startsWith(pipeline + ":"))
        .toList();
  }

  @Test
  void every_reading_is_recorded_as_a_prediction_and_a_rule_raises_events_that_reach_the_hub() {
    servePump();
    Agent agent = start(synthetic("watch", "pump", 3, notify("output[1] > 0.8")));
    agent.syncNow();

    Eventually.await("5 predictions", () -> status(agent, "watch").predictions() >= 5);
    agent.flushAll();

    PipelineStatus status = status(agent, "watch");
    assertThat(status.state()).isEqualTo("RUNNING");
    assertThat(status.fired()).isGreaterThanOrEqualTo(5);
    List<PredictionRecord> recorded = recordedBy("watch");
    assertThat(recorded).hasSizeGreaterThanOrEqualTo(5);
    assertThat(recorded.getFirst().requestId()).isEqualTo("watch:synthetic #1");
    assertThat(recorded.getFirst().outputs().get(0).path("data").get(1).asDouble())
        .isGreaterThan(0.99);
    List<DeviceEvent> events = hub.events();
    assertThat(events).hasSizeGreaterThanOrEqualTo(5);
    DeviceEvent first = events.getFirst();
    assertThat(first.pipeline()).isEqualTo("watch");
    assertThat(first.rule()).isEqualTo("failure risk");
    assertThat(first.severity()).isEqualTo("critical");
    assertThat(first.model()).isEqualTo("pump");
    assertThat(first.version()).isEqualTo(1);
    assertThat(first.details().path("outputs").path("output[1]").asDouble()).isGreaterThan(0.8);
  }

  @Test
  void a_rule_that_does_not_hold_fires_nothing_and_a_cooldown_holds_repeats_back() {
    servePump();
    Rule cooling =
        new Rule(
            null,
            Rule.parse("output[1] > 0.8"),
            List.of(new Action.RaiseEvent("info", null)),
            Duration.ofHours(1));
    Agent agent =
        start(
            synthetic("calm", "pump", 0, notify("output[1] > 0.8")),
            synthetic("hot", "pump", 3, List.of(cooling)));
    agent.syncNow();

    Eventually.await(
        "5 predictions each",
        () -> status(agent, "calm").predictions() >= 5 && status(agent, "hot").predictions() >= 5);
    agent.flushAll();

    assertThat(status(agent, "calm").fired()).isZero();
    assertThat(status(agent, "hot").fired()).isEqualTo(1);
    assertThat(hub.events())
        .singleElement()
        .satisfies(e -> assertThat(e.pipeline()).isEqualTo("hot"));
  }

  @Test
  void events_wait_in_the_store_while_the_hub_is_down_and_reach_it_after_a_restart() {
    servePump();
    hub.eventsDown.set(true);
    Agent agent = start(synthetic("watch", "pump", 3, notify("output[1] > 0.8")));
    agent.syncNow();
    Eventually.await("3 events raised", () -> status(agent, "watch").fired() >= 3);

    assertThatThrownBy(agent::flushAll).isInstanceOf(HubException.class);
    agent.close();
    agents.remove(agent);
    long pending;
    try (PipelineStore store =
        PipelineStore.open(dir.resolve("device").resolve(PipelineStore.FILE))) {
      pending = store.pendingEvents();
    }
    assertThat(pending).isGreaterThanOrEqualTo(3);
    assertThat(hub.events()).isEmpty();

    hub.eventsDown.set(false);
    Agent restarted = start(); // No pipelines now: the events of the earlier ones still go.
    restarted.flushAll();

    assertThat(hub.events()).hasSize((int) pending);
    assertThat(restarted.status().eventsPending()).isZero();
  }

  @Test
  void a_failing_pipeline_is_reported_and_does_not_stop_the_others() {
    servePump();
    PipelineSpec broken =
        new PipelineSpec(
            "broken",
            new Source.Command(
                List.of("sh", "-c", "echo no sensor >&2; exit 3"),
                Duration.ofSeconds(5),
                1024,
                null),
            new Schedule.Every(Duration.ofMillis(20)),
            "pump",
            new InputMapping(
                null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
            List.of());
    PipelineSpec wrongInput =
        new PipelineSpec(
            "wrong-input",
            new Source.Synthetic(
                1, Map.of("a", new Source.Wave(1, 0, Duration.ofSeconds(1), 0, 0, 0)), 1),
            new Schedule.Every(Duration.ofMillis(20)),
            "pump",
            new InputMapping("features", null, List.of(InputMapping.Feature.of("a"))),
            List.of());
    Agent agent =
        start(
            broken,
            wrongInput,
            synthetic("no-model", "absent", 3, List.of()),
            synthetic("good", "pump", 3, List.of()));
    agent.syncNow();

    Eventually.await("good predicts", () -> status(agent, "good").predictions() >= 5);
    Eventually.await(
        "broken reported",
        () ->
            "FAILING".equals(status(agent, "broken").state())
                && "FAILING".equals(status(agent, "wrong-input").state()));

    assertThat(status(agent, "broken").lastError())
        .contains("exited with status 3")
        .contains("no sensor");
    assertThat(status(agent, "wrong-input").lastError())
        .contains("has no input 'features'")
        .contains("[input]");
    assertThat(status(agent, "no-model").state()).isEqualTo("WAITING_FOR_MODEL");
    assertThat(status(agent, "no-model").predictions()).isZero();
    assertThat(status(agent, "good").state()).isEqualTo("RUNNING");
    try (Http http = new Http(agent.inferenceUrl())) {
      String metrics = http.get("/metrics").body();
      assertThat(metrics)
          .containsPattern(
              "verge_agent_pipeline_cycles_total\\{outcome=\"failed\",pipeline=\"broken\"} [1-9]")
          .containsPattern(
              "verge_agent_pipeline_readings_total\\{outcome=\"predicted\",pipeline=\"good\"} [1-9]");
    }
  }

  @Test
  void a_folder_pipeline_predicts_every_line_once_then_moves_the_file_to_done() throws Exception {
    servePump();
    Path inbox = Files.createDirectories(dir.resolve("inbox"));
    Files.writeString(inbox.resolve("1.csv"), "temperature,vibration\n30,3\n0,0\n31,4\n");
    Files.writeString(inbox.resolve("2.jsonl"), "{\"temperature\": 40, \"vibration\": 1}\n");
    PipelineSpec folder =
        new PipelineSpec(
            "inbox",
            new Source.Files(inbox, null),
            new Schedule.Every(Duration.ofMillis(20)),
            "pump",
            new InputMapping(
                "input",
                null,
                List.of(
                    new InputMapping.Feature("temperature", 0.1, 0),
                    InputMapping.Feature.of("vibration"))),
            notify("output[1] > 0.9"));
    Agent agent = start(folder);
    agent.syncNow();

    Eventually.await("both files done", () -> Files.exists(inbox.resolve("done/2.jsonl")));
    agent.flushAll();

    assertThat(recordedBy("inbox"))
        .extracting(PredictionRecord::requestId)
        .containsExactly("inbox:1.csv:2", "inbox:1.csv:3", "inbox:1.csv:4", "inbox:2.jsonl:1");
    assertThat(hub.events())
        .extracting(e -> e.details().path("reading").asText())
        .containsExactly("1.csv:2", "1.csv:4", "2.jsonl:1");
    assertThat(inbox.resolve("done/1.csv")).exists();
    assertThat(status(agent, "inbox").predictions()).isEqualTo(4);
  }

  @Test
  void a_cycle_that_throws_an_error_is_reported_and_the_next_one_runs() throws Exception {
    servePump();
    Agent agent = start();
    agent.syncNow();
    AtomicInteger reads = new AtomicInteger();
    SourceReader flaky =
        max -> {
          if (reads.incrementAndGet() == 1) {
            throw new StackOverflowError("deep");
          }
          return SourceReader.Batch.of(
              List.of(new Reading("r" + reads.get(), Map.of("a", 1.0, "b", 1.0))));
        };
    PipelineSpec spec = synthetic("flaky", "pump", 1, List.of());
    List<String> cycles = new java.util.concurrent.CopyOnWriteArrayList<>();
    PipelineMetrics metrics =
        new PipelineMetrics() {
          @Override
          public void cycle(String pipeline, String outcome) {
            cycles.add(outcome);
          }

          @Override
          public void readings(String pipeline, String outcome, int count) {}

          @Override
          public void action(String pipeline, String action, String outcome) {}
        };
    try (PipelineStore store = PipelineStore.open(dir.resolve("flaky.db"));
        Pipeline pipeline =
            new Pipeline(
                spec,
                flaky,
                agent.local().model("pump"),
                new Actions(
                    "flaky",
                    store,
                    java.net.http.HttpClient.newHttpClient(),
                    new dev.verge.agent.internal.Backoff(
                        Duration.ofMillis(1), Duration.ofMillis(1)),
                    metrics),
                limit -> true,
                Clock.systemUTC(),
                ZoneOffset.UTC,
                metrics,
                () -> {})) {
      pipeline.start();
      Eventually.await("a cycle after the error", () -> pipeline.status().predictions() >= 2);

      assertThat(cycles.getFirst()).isEqualTo("failed");
      assertThat(pipeline.status().lastError()).isEqualTo("deep");
      assertThat(pipeline.status().state()).isEqualTo("RUNNING");
    }
  }

  @Test
  void two_pipelines_of_one_name_are_refused_at_start() {
    PipelineSpec a = synthetic("same", "pump", 1, List.of());

    assertThatThrownBy(() -> start(a, a))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("two pipelines are named 'same'");
  }
}
