package dev.verge.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What an edge application does: posts pump readings to the agent's local Open Inference Protocol
 * API and reads the failure probability back.
 */
final class InferenceClient {
  /** One answer: which model version served it and the probability that the pump is failing. */
  record Prediction(long version, double failing) {}

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  Prediction predict(URI agent, String model, double[] reading, String requestId)
      throws IOException, InterruptedException {
    Map<String, Object> body =
        Map.of(
            "id",
            requestId,
            "inputs",
            List.of(
                Map.of(
                    "name",
                    "input",
                    "datatype",
                    "FP32",
                    "shape",
                    List.of(1, 2),
                    "data",
                    List.of(List.of(reading[0], reading[1])))));
    HttpRequest request =
        HttpRequest.newBuilder(agent.resolve("/v2/models/" + model + "/infer"))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)))
            .build();
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException(
          "agent "
              + agent
              + " answered "
              + response.statusCode()
              + ": "
              + new String(response.body()));
    }
    JsonNode answer = Json.tree(response.body());
    if (!requestId.equals(answer.path("id").asText())) {
      throw new IOException("agent " + agent + " did not echo request id " + requestId);
    }
    JsonNode probabilities = answer.path("outputs").path(0).path("data");
    return new Prediction(
        Long.parseLong(answer.path("model_version").asText("0")), probabilities.path(1).asDouble());
  }

  /** The agent's own status document ({@code GET /verge/v1/status}). */
  JsonNode status(URI agent) throws IOException, InterruptedException {
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(agent.resolve("/verge/v1/status"))
                .timeout(Duration.ofSeconds(5))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IOException("agent " + agent + " status answered " + response.statusCode());
    }
    return Json.tree(response.body());
  }
}
