package dev.verge.it;

import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Agent;
import dev.verge.core.api.DeploymentView;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both {@code /metrics} pages after a real rollout, inferences and forwarding. */
class MetricsIntegrationTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path root;
  private Fleet fleet;

  @BeforeEach
  void start() {
    fleet = new Fleet(root);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void hub_and_agent_pages_follow_a_rollout_and_its_predictions() throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    fleet.publish("pump", 1, TestModels.logistic(1f), publisher);
    Agent agent = fleet.agent("edge", Map.of("site", "a"), publisher.publicKey());
    DeploymentView deployment = fleet.deploy("pump", 1, Map.of("site", "a"));
    await(
        "the agent serves v1",
        () -> fleet.admin.deployment(deployment.id()).counts().active() == 1);
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> answer =
          send(
              HttpRequest.newBuilder(agent.inferenceUrl().resolve("/v2/models/pump/infer"))
                  .header("Content-Type", "application/json")
                  .POST(
                      HttpRequest.BodyPublishers.ofString(
                          "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\","
                              + "\"shape\":[1,2],\"data\":[1,2]}]}")));
      assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }
    await(
        "the hub holds both predictions",
        () -> fleet.admin.device(agent.deviceId()).predictionsSynced() == 2);

    String agentPage = scrape(agent.inferenceUrl(), null);
    assertThat(agentPage)
        .contains("verge_agent_inference_requests_total{model=\"pump\",version=\"1\"} 2.0\n")
        .contains("verge_agent_inference_duration_seconds_count{model=\"pump\",version=\"1\"} 2\n")
        .contains("verge_agent_predictions_recorded_total 2.0\n")
        .contains("verge_agent_installs_total{outcome=\"activated\"} 1.0\n")
        .contains("verge_agent_sync_state{state=\"in_sync\"} 1.0\n");
    await(
        "the agent counts both predictions forwarded",
        () -> scrape(agent.inferenceUrl(), null).contains("predictions_forwarded_total 2.0\n"));

    URI hub = fleet.hub.url();
    assertThat(send(HttpRequest.newBuilder(hub.resolve("/metrics")).GET()).statusCode())
        .isEqualTo(401);
    String hubPage = scrape(hub, fleet.hub.adminToken());
    assertThat(hubPage)
        .contains("verge_hub_publishes_total{outcome=\"created\"} 1.0\n")
        .contains("verge_hub_devices 1.0\n")
        .contains("verge_hub_devices_online 1.0\n")
        .contains("verge_hub_rollout_devices{state=\"ACTIVE\"} 1.0\n")
        .contains("verge_hub_predictions_ingested_total 2.0\n")
        .containsPattern(
            "verge_hub_http_requests_seconds_count\\{method=\"GET\","
                + "route=\"/api/v1/devices/\\{id\\}/desired\",status=\"(200|304)\"} [1-9]")
        .doesNotContain(agent.deviceId());
  }

  private static String scrape(URI base, String token) {
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/metrics")).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> response = send(request);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .contains("text/plain; version=0.0.4; charset=utf-8");
    return response.body();
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return HTTP.send(
          request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError("request failed: " + e, e);
    }
  }
}
