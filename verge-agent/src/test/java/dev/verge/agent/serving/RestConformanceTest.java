package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Engines;
import dev.verge.agent.Http;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every call of the Open Inference Protocol's REST API, unversioned and with {@code /versions/{v}},
 * and each error it can answer: the status, and an {@code {"error": "..."}} body that names what
 * was wrong. Where the protocol text is silent, Triton's answers are the reference (a path for a
 * version that is not served is a 404 naming it; an infer without inputs is a 400).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestConformanceTest {
  private static final String ROW = "{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\"";
  private static final String INFER = "{\"inputs\":[" + ROW + ",\"data\":[1,2]}]}";

  @TempDir static Path dir;

  private final ModelRegistry registry = new ModelRegistry();
  private AgentStore store;
  private InferenceServer server;
  private Http http;

  /** One call and what it must answer; {@code error} is part of the message, null for success. */
  record Call(String method, String path, String body, int status, String error) {
    @Override
    public String toString() {
      return method + " " + path + (body == null ? "" : " " + abbreviated(body)) + " → " + status;
    }

    private static String abbreviated(String body) {
      return body.length() > 60 ? body.substring(0, 57) + "..." : body;
    }
  }

  static Stream<Call> calls() {
    Stream.Builder<Call> calls = Stream.builder();
    calls.add(new Call("GET", "/v2/health/live", null, 200, null));
    calls.add(new Call("GET", "/v2/health/ready", null, 200, null));
    calls.add(new Call("GET", "/v2", null, 200, null));
    calls.add(new Call("GET", "/v2/models/stats", null, 200, null));
    for (String model : List.of("/v2/models/pump", "/v2/models/pump/versions/3")) {
      calls.add(new Call("GET", model, null, 200, null));
      calls.add(new Call("GET", model + "/ready", null, 200, null));
      calls.add(new Call("GET", model + "/stats", null, 200, null));
      calls.add(new Call("POST", model + "/infer", INFER, 200, null));
      calls.add(new Call("GET", model + "/infer", null, 405, "POST"));
      calls.add(new Call("POST", model + "/infer", "", 400, "empty"));
      calls.add(new Call("POST", model + "/infer", "{\"inputs\":", 400, "JSON"));
      calls.add(new Call("POST", model + "/infer", "[1,2]", 400, null));
      calls.add(new Call("POST", model + "/infer", "{\"inputs\":[]}", 400, "no inputs"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[" + ROW + ",\"data\":[1,2,3]}]}",
              400,
              "input 'input'"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\","
                  + "\"data\":[1,2,3]}]}",
              400,
              "input 'input'"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP64\","
                  + "\"data\":[1,2]}]}",
              400,
              "FP32"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FLOAT\","
                  + "\"data\":[1,2]}]}",
              400,
              "unknown datatype 'FLOAT'"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[" + ROW + ",\"data\":[1,\"x\"]}]}",
              400,
              "element 1"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[{\"name\":\"other\",\"shape\":[1,2],\"datatype\":\"FP32\","
                  + "\"data\":[1,2]}]}",
              400,
              "other"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[" + ROW + ",\"data\":[1,2]}],\"outputs\":[{\"name\":\"nope\"}]}",
              400,
              "output 'nope'"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":["
                  + ROW
                  + ",\"data\":[1,2]}],\"outputs\":[{\"name\":\"output\","
                  + "\"parameters\":{\"binary_data\":\"yes\"}}]}",
              400,
              "binary_data"));
      calls.add(
          new Call(
              "POST",
              model + "/infer",
              "{\"inputs\":[" + ROW + ",\"parameters\":{\"binary_data_size\":8}}]}",
              400,
              "no binary data"));
    }
    for (String missing :
        List.of("/v2/models/fan", "/v2/models/pump/versions/2", "/v2/models/pump/versions/x")) {
      String named = missing.contains("fan") ? "fan" : "pump";
      calls.add(new Call("GET", missing, null, 404, named));
      calls.add(new Call("GET", missing + "/ready", null, 404, named));
      calls.add(new Call("POST", missing + "/infer", INFER, 404, named));
    }
    calls.add(new Call("GET", "/v2/models/fan/stats", null, 404, "fan"));
    calls.add(new Call("POST", "/v2/health/live", "{}", 405, "GET"));
    calls.add(new Call("GET", "/v2/nothing/here", null, 404, "/v2/nothing/here"));
    return calls.build();
  }

  @BeforeAll
  void start() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 3, TestModels.logistic())));
    server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            store,
            Optional::empty,
            () -> Map.of());
    http = new Http(URI.create("http://127.0.0.1:" + server.port()));
  }

  @AfterAll
  void stop() {
    http.close();
    server.close();
    registry.close();
    store.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void answers_each_call_as_the_protocol_says(Call call) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + call.path()));
    request.method(
        call.method(),
        call.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(call.body()));
    if (call.body() != null) {
      request.header("Content-Type", "application/json");
    }

    Http.Response response = http.send(request);

    assertThat(response.status()).as(response.body()).isEqualTo(call.status());
    if (call.status() >= 400) {
      assertThat(response.headers().get("content-type")).anyMatch(t -> t.contains("json"));
      JsonNode error = response.json().path("error");
      assertThat(error.isTextual()).as(response.body()).isTrue();
      assertThat(error.asText()).isNotBlank();
      if (call.error() != null) {
        assertThat(error.asText()).contains(call.error());
      }
    }
    if (call.status() == 405) {
      assertThat(response.headers().get("allow")).isNotNull();
    }
  }
}
