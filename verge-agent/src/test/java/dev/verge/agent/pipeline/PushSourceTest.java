package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.Engines;
import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.Http;
import dev.verge.agent.TestBundles;
import dev.verge.core.api.PredictionRecord;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP push source: readings kept on arrival, predicted by the pipeline, never lost. */
class PushSourceTest {
  private static final String PATH = "/verge/v1/pipelines/pushed/readings";

  @TempDir Path dir;
  FakeHub hub;
  TestBundles bundles;
  final List<AutoCloseable> open = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = new FakeHub();
    bundles = new TestBundles(dir.resolve("publisher"));
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    hub.close();
  }

  private Agent start(String bind, String token) {
    PipelineSpec pushed =
        new PipelineSpec(
            "pushed",
            new Source.Push(token),
            new Schedule.Every(Duration.ofHours(1)), // Only a push wakes it.
            "pump",
            new InputMapping(
                null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
            List.of());
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("device"))
                .withBindAddress(bind)
                .withPort(0)
                .withEnrollmentToken(FakeHub.TOKEN)
                .withDevice("edge", Map.of())
                .withTrustedKeys(List.of(bundles.publicKey()))
                .withPollInterval(Duration.ofHours(1))
                .withForwarding(Duration.ofHours(1), 500)
                .withPipelines(List.of(pushed)),
            Engines.ONNX);
    open.add(agent);
    return agent;
  }

  private Http http(Agent agent) {
    Http http = new Http(agent.inferenceUrl());
    open.add(http);
    return http;
  }

  private static Http.Response push(Http http, String body, String token) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(java.net.URI.create("http://x" + PATH))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.uri(http.base().resolve(PATH)));
  }

  private List<PredictionRecord> recorded() {
    return hub.predictions().stream()
        .filter(r -> r.requestId() != null && r.requestId().startsWith("pushed:"))
        .toList();
  }

  @Test
  void pushed_readings_are_kept_until_their_model_serves_even_across_a_restart() {
    Agent agent = start("127.0.0.1", null);
    Http.Response accepted =
        push(http(agent), "[{\"a\": 3, \"b\": 3}, {\"a\": 0, \"b\": 0}]", null);

    assertThat(accepted.status()).as(accepted.body()).isEqualTo(202);
    assertThat(accepted.json().path("accepted").asInt()).isEqualTo(2);
    Eventually.await(
        "the pipeline tried",
        () -> "WAITING_FOR_MODEL".equals(agent.status().pipelines().getFirst().state()));
    agent.close();

    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent restarted = start("127.0.0.1", null);
    restarted.syncNow();
    push(http(restarted), "{\"a\": 1, \"b\": 1}\n", null); // Wakes it, adds a third.
    Eventually.await(
        "3 predictions", () -> restarted.status().pipelines().getFirst().predictions() == 3);
    restarted.flushAll();

    assertThat(recorded())
        .extracting(PredictionRecord::requestId)
        .containsExactly("pushed:push #1", "pushed:push #2", "pushed:push #3");
    assertThat(recorded().getFirst().outputs().get(0).path("data").get(1).asDouble())
        .isGreaterThan(0.99);
    try (PipelineStore store =
        PipelineStore.open(dir.resolve("device").resolve(PipelineStore.FILE))) {
      assertThat(store.pendingReadings("pushed")).isZero();
    }
  }

  @Test
  void a_bad_push_is_refused_naming_the_reading_and_keeps_none_of_it() {
    Agent agent = start("127.0.0.1", null);
    Http http = http(agent);

    Http.Response lines = push(http, "{\"a\": 1, \"b\": 1}\nnot json\n", null);
    Http.Response nested = push(http, "[{\"a\": 1}, {\"a\": [1, 2]}]", null);
    Http.Response empty = push(http, "  ", null);
    Http.Response unknown = http.post("/verge/v1/pipelines/nope/readings", "{\"a\": 1}");

    assertThat(lines.status()).isEqualTo(400);
    assertThat(lines.error()).startsWith("body:2 is not valid JSON").endsWith("nothing was kept");
    assertThat(nested.status()).isEqualTo(400);
    assertThat(nested.error()).contains("reading [1] field 'a' is not a plain value");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error()).contains("no pipeline 'nope' takes pushed readings");
    try (PipelineStore store =
        PipelineStore.open(dir.resolve("device").resolve(PipelineStore.FILE))) {
      assertThat(store.pendingReadings("pushed")).isZero();
    }
  }

  @Test
  void a_pipeline_with_a_token_takes_only_pushes_that_bear_it() {
    Agent agent = start("127.0.0.1", "s3cret");
    Http http = http(agent);

    Http.Response without = push(http, "{\"a\": 1, \"b\": 1}", null);
    Http.Response wrong = push(http, "{\"a\": 1, \"b\": 1}", "guess");
    Http.Response right = push(http, "{\"a\": 1, \"b\": 1}", "s3cret");

    assertThat(without.status()).isEqualTo(401);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(right.status()).isEqualTo(202);
  }

  @Test
  void without_a_token_pushes_are_refused_while_the_api_is_bound_beyond_loopback() {
    Agent agent = start("0.0.0.0", null);

    Http.Response refused = push(http(agent), "{\"a\": 1, \"b\": 1}", null);

    assertThat(refused.status()).isEqualTo(403);
    assertThat(refused.error()).contains("has no token-file");
  }
}
