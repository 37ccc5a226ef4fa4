package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Engines;
import dev.verge.agent.Http;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.Counters;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.api.PredictionRecord;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InferenceServerTest {
  @TempDir Path dir;

  private final ModelRegistry registry = new ModelRegistry();
  private final AtomicReference<Optional<String>> notReady =
      new AtomicReference<>(Optional.empty());
  private AgentStore store;
  private InferenceServer server;
  private Http http;

  @BeforeEach
  void start() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 3, TestModels.logistic())));
    server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            store,
            notReady::get,
            () -> Map.of("deviceId", "dev-1"));
    http = new Http(URI.create("http://127.0.0.1:" + server.port()));
  }

  @AfterEach
  void stop() {
    http.close();
    server.close();
    registry.close();
    store.close();
  }

  @Test
  void infers_with_flat_data_and_echoes_the_request_id() {
    Http.Response response =
        http.post("/v2/models/pump/infer", Http.logisticRequest("req-1", 3f, 3f));

    assertThat(response.status()).isEqualTo(200);
    JsonNode body = response.json();
    assertThat(body.path("model_name").asText()).isEqualTo("pump");
    assertThat(body.path("model_version").isTextual()).isTrue();
    assertThat(body.path("model_version").asText()).isEqualTo("3");
    assertThat(body.path("id").asText()).isEqualTo("req-1");
    JsonNode output = body.path("outputs").get(0);
    assertThat(output.path("name").asText()).isEqualTo("output");
    assertThat(output.path("datatype").asText()).isEqualTo("FP32");
    assertThat(output.path("shape").toString()).isEqualTo("[1,2]");
    assertThat(output.path("data").get(1).asDouble()).isGreaterThan(0.99);
  }

  @Test
  void infers_with_nested_data() {
    String request =
        """
        {"inputs": [{"name": "input", "shape": [2, 2], "datatype": "FP32",
                     "data": [[0, 0], [3, 3]]}]}
        """;

    Http.Response response = http.post("/v2/models/pump/infer", request);

    assertThat(response.status()).isEqualTo(200);
    JsonNode data = response.json().path("outputs").get(0).path("data");
    assertThat(data.size()).isEqualTo(4);
    assertThat(data.get(1).asDouble()).isLessThan(0.5);
    assertThat(data.get(3).asDouble()).isGreaterThan(0.99);
    assertThat(response.json().has("id")).isFalse();
  }

  @Test
  void infers_on_an_explicit_version() {
    Http.Response response =
        http.post("/v2/models/pump/versions/3/infer", Http.logisticRequest("r", 1f, 1f));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("model_version").asText()).isEqualTo("3");
  }

  @Test
  void records_each_prediction_before_answering() {
    http.post("/v2/models/pump/infer", Http.logisticRequest("req-9", 3f, 3f));

    PredictionRecord record = store.unsynced(10).getFirst();
    assertThat(record.model()).isEqualTo("pump");
    assertThat(record.version()).isEqualTo(3);
    assertThat(record.requestId()).isEqualTo("req-9");
    assertThat(record.latencyMicros()).isPositive();
    assertThat(record.outputs().get(0).path("name").asText()).isEqualTo("output");
    assertThat(store.counters()).isEqualTo(new Counters(1, 0, 1));
  }

  @Test
  void names_the_input_whose_shape_and_data_disagree() {
    String request =
        """
        {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2, 3]}]}
        """;

    Http.Response response = http.post("/v2/models/pump/infer", request);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error()).contains("input 'input'").contains("3");
    assertThat(store.counters()).isEqualTo(new Counters(0, 1, 0));
  }

  @Test
  void names_the_input_whose_shape_does_not_fit_the_model() {
    String request =
        """
        {"inputs": [{"name": "input", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}
        """;

    Http.Response response = http.post("/v2/models/pump/infer", request);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error())
        .isEqualTo("input 'input' must have shape [-1, 2] (-1 = any), got [1, 3]");
  }

  @Test
  void names_the_input_of_the_wrong_type() {
    String request =
        """
        {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}]}
        """;

    Http.Response response = http.post("/v2/models/pump/infer", request);

    assertThat(response.status()).isEqualTo(400);
    assertThat(response.error()).isEqualTo("input 'input' must be FP32, got FP64");
  }

  @Test
  void refuses_unknown_and_missing_inputs_by_name() {
    String unknown =
        """
        {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]},
                    {"name": "extra", "shape": [1], "datatype": "FP32", "data": [1]}]}
        """;
    String missing =
        """
        {"inputs": [{"name": "other", "shape": [1], "datatype": "FP32", "data": [1]}]}
        """;

    Http.Response first = http.post("/v2/models/pump/infer", unknown);
    Http.Response second = http.post("/v2/models/pump/infer", missing);

    assertThat(first.status()).isEqualTo(400);
    assertThat(first.error()).startsWith("input 'extra' is not an input of model pump");
    assertThat(second.status()).isEqualTo(400);
    assertThat(second.error()).startsWith("input 'other' is not an input");
  }

  @Test
  void refuses_malformed_json_and_requests_without_inputs() {
    Http.Response malformed = http.post("/v2/models/pump/infer", "{\"inputs\": [");
    Http.Response empty = http.post("/v2/models/pump/infer", "{\"inputs\": []}");
    Http.Response none = http.post("/v2/models/pump/infer", "{}");

    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error()).startsWith("the request body is malformed JSON");
    assertThat(empty.status()).isEqualTo(400);
    assertThat(empty.error()).isEqualTo("request has no inputs");
    assertThat(none.status()).isEqualTo(400);
    assertThat(store.counters().failed()).isEqualTo(3);
  }

  @Test
  void returns_only_the_requested_outputs_and_refuses_unknown_ones() {
    String wanted =
        """
        {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}],
         "outputs": [{"name": "output"}]}
        """;
    String unknown =
        """
        {"inputs": [{"name": "input", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}],
         "outputs": [{"name": "logits"}]}
        """;

    Http.Response ok = http.post("/v2/models/pump/infer", wanted);
    Http.Response refused = http.post("/v2/models/pump/infer", unknown);

    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().path("outputs").size()).isEqualTo(1);
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.error()).startsWith("output 'logits' is not an output of model pump");
  }

  @Test
  void unknown_model_or_version_is_404() {
    Http.Response model = http.post("/v2/models/fan/infer", Http.logisticRequest("r", 1, 1));
    Http.Response version =
        http.post("/v2/models/pump/versions/2/infer", Http.logisticRequest("r", 1, 1));
    Http.Response metadata = http.get("/v2/models/fan");

    assertThat(model.status()).isEqualTo(404);
    assertThat(model.error()).isEqualTo("model 'fan' is not loaded");
    assertThat(version.status()).isEqualTo(404);
    assertThat(version.error()).isEqualTo("model 'pump' version 2 is not loaded");
    assertThat(metadata.status()).isEqualTo(404);
    assertThat(store.counters().failed()).isEqualTo(2);
  }

  @Test
  void describes_a_model() {
    Http.Response response = http.get("/v2/models/pump");
    Http.Response versioned = http.get("/v2/models/pump/versions/3");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().toString())
        .isEqualTo(
            "{\"name\":\"pump\",\"versions\":[\"3\"],\"platform\":\"onnxruntime_onnx\","
                + "\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,2]}],"
                + "\"outputs\":[{\"name\":\"output\",\"datatype\":\"FP32\",\"shape\":[-1,2]}]}");
    assertThat(versioned.body()).isEqualTo(response.body());
  }

  @Test
  void model_readiness_follows_the_registry() {
    assertThat(http.get("/v2/models/pump/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/pump/versions/3/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/pump/versions/1/ready").status()).isEqualTo(404);
    assertThat(http.get("/v2/models/fan/ready").status()).isEqualTo(404);
  }

  @Test
  void server_health_and_metadata() {
    assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    notReady.set(Optional.of("not ready: pump v4 is not active"));
    Http.Response unready = http.get("/v2/health/ready");
    assertThat(unready.status()).isEqualTo(503);
    assertThat(unready.error()).isEqualTo("not ready: pump v4 is not active");

    JsonNode metadata = http.get("/v2").json();
    assertThat(metadata.path("name").asText()).isEqualTo("verge-agent");
    assertThat(metadata.path("version").asText()).isNotBlank();
    assertThat(metadata.path("extensions").toString())
        .isEqualTo("[\"statistics\",\"binary_tensor_data\",\"classification\"]");
  }

  @Test
  void counts_successes_and_failures_per_version() {
    http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1));
    http.post("/v2/models/pump/infer", Http.logisticRequest("b", 1, 1));
    http.post("/v2/models/pump/infer", "{}");

    Http.Response response = http.get("/v2/models/pump/stats");

    assertThat(response.status()).isEqualTo(200);
    JsonNode stats = response.json().path("model_stats").get(0);
    assertThat(stats.path("name").asText()).isEqualTo("pump");
    assertThat(stats.path("version").asText()).isEqualTo("3");
    assertThat(stats.path("inference_count").asLong()).isEqualTo(2);
    assertThat(stats.path("inference_stats").path("success").path("count").asLong()).isEqualTo(2);
    assertThat(stats.path("inference_stats").path("success").path("ns").asLong()).isPositive();
    assertThat(stats.path("inference_stats").path("fail").path("count").asLong()).isEqualTo(1);
    assertThat(http.get("/v2/models/fan/stats").status()).isEqualTo(404);
  }

  @Test
  void times_each_phase_of_a_successful_request_as_triton_does() {
    http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1));

    JsonNode phases =
        http.get("/v2/models/pump/versions/3/stats")
            .json()
            .path("model_stats")
            .get(0)
            .path("inference_stats");

    for (String phase : List.of("queue", "compute_input", "compute_infer", "compute_output")) {
      assertThat(phases.path(phase).path("count").asLong()).as(phase).isEqualTo(1);
      assertThat(phases.path(phase).path("ns").asLong()).as(phase).isNotNegative();
    }
    assertThat(phases.path("compute_infer").path("ns").asLong()).isPositive();
    assertThat(phases.path("success").path("ns").asLong())
        .isGreaterThanOrEqualTo(phases.path("compute_infer").path("ns").asLong());
  }

  @Test
  void answers_the_highest_classes_when_an_output_asks_for_classification() {
    Http.Response plain = http.post("/v2/models/pump/infer", Http.logisticRequest("p", 8, 6));
    JsonNode probabilities = plain.json().path("outputs").get(0).path("data");
    int likelier = probabilities.get(1).asDouble() > probabilities.get(0).asDouble() ? 1 : 0;

    Http.Response response =
        http.post(
            "/v2/models/pump/infer",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\","
                + "\"data\":[8,6]}],\"outputs\":[{\"name\":\"output\","
                + "\"parameters\":{\"classification\":1}}]}");

    assertThat(response.status()).isEqualTo(200);
    JsonNode output = response.json().path("outputs").get(0);
    assertThat(output.path("datatype").asText()).isEqualTo("BYTES");
    assertThat(output.path("shape").toString()).isEqualTo("[1,1]");
    assertThat(output.path("data").get(0).asText())
        .isEqualTo((float) probabilities.get(likelier).asDouble() + ":" + likelier);
    assertThat(
            http.post(
                    "/v2/models/pump/infer",
                    "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\","
                        + "\"data\":[8,6]}],\"outputs\":[{\"name\":\"output\","
                        + "\"parameters\":{\"classification\":-1}}]}")
                .status())
        .isEqualTo(400);
  }

  /** Seen as a new user: {@code GET /v2/models/stats} answered 404. */
  @Test
  void answers_statistics_for_every_model_at_once() {
    http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1));

    Http.Response response = http.get("/v2/models/stats");

    assertThat(response.status()).isEqualTo(200);
    JsonNode all = response.json().path("model_stats");
    assertThat(all).hasSize(1);
    assertThat(all.get(0).path("name").asText()).isEqualTo("pump");
    assertThat(all.get(0).path("inference_count").asLong()).isEqualTo(1);
  }

  @Test
  void serves_the_operator_status() {
    Http.Response response = http.get("/verge/v1/status");

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("deviceId").asText()).isEqualTo("dev-1");
  }

  @Test
  void wrong_method_is_405_and_unknown_path_404() {
    Http.Response get = http.get("/v2/models/pump/infer");
    Http.Response post = http.post("/v2/health/live", "{}");

    assertThat(get.status()).isEqualTo(405);
    assertThat(get.headers().get("allow")).containsExactly("POST");
    assertThat(post.status()).isEqualTo(405);
    assertThat(http.get("/v3/models").status()).isEqualTo(404);
    assertThat(http.get("/v2/models/pump/versions/x").status()).isEqualTo(404);
    assertThat(http.get("/v2/models/pump/explain").status()).isEqualTo(404);
  }

  @Test
  void reads_gzip_compressed_requests() throws IOException {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(zipped)) {
      gzip.write(Http.logisticRequest("gz", 3f, 3f).getBytes(StandardCharsets.UTF_8));
    }

    Http.Response response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port())
                        .resolve("/v2/models/pump/infer"))
                .header("Content-Encoding", "gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(zipped.toByteArray())));

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.json().path("id").asText()).isEqualTo("gz");
  }
}
