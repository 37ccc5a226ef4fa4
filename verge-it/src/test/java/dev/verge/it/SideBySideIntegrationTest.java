package dev.verge.it;

import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Agent;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LocalChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.core.json.Json;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several versions of one model with a real hub and a real agent: a side-by-side deployment serves
 * an older version beside the default one, a local unload shows on the hub, and the hub's next
 * desired-state change wins over it.
 */
class SideBySideIntegrationTest {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String ONE_ROW =
      "{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 2],"
          + " \"data\": [2.5, 3.0]}]}";

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

  private static HttpResponse<String> post(Agent agent, String path, String body) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(agent.inferenceUrl() + path))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(body))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The version that answered, or the status when it was not a 200. */
  private static String answer(Agent agent, String path) {
    HttpResponse<String> response = post(agent, path, ONE_ROW);
    if (response.statusCode() != 200) {
      return "status " + response.statusCode();
    }
    JsonNode body = Json.read(response.body().getBytes(), JsonNode.class);
    return body.path("model_version").asText();
  }

  private ModelReport pumpOnHub(String deviceId) {
    DeviceView device = fleet.admin.device(deviceId);
    if (device.reported() == null) {
      return null;
    }
    return device.reported().models().stream()
        .filter(m -> m.name().equals("pump"))
        .findFirst()
        .orElse(null);
  }

  @Test
  void an_older_version_serves_beside_the_new_one_a_local_unload_shows_and_the_hub_wins()
      throws Exception {
    Fleet.Publisher publisher = fleet.publisher("publisher", true);
    fleet.publish("pump", 1, TestModels.logistic(), publisher);
    fleet.publish("pump", 5, TestModels.logistic(), publisher);
    Agent agent = fleet.agent("edge", Map.of("site", "lab"), publisher.publicKey());
    fleet.deploy("pump", 5, Map.of("site", "lab"));
    await("v5 serves", () -> answer(agent, "/v2/models/pump/infer").equals("5"));
    assertThat(answer(agent, "/v2/models/pump/versions/1/infer")).isEqualTo("status 404");

    DeploymentView beside =
        fleet.admin.deploy(
            new DeploymentRequest("pump", 1, "site=lab", false, 0, null, null, null, true));

    await("v1 serves beside", () -> answer(agent, "/v2/models/pump/versions/1/infer").equals("1"));
    assertThat(answer(agent, "/v2/models/pump/infer")).isEqualTo("5");
    await(
        "the side-by-side deployment completes",
        () -> fleet.admin.deployment(beside.id()).state() == RolloutPhase.COMPLETED);
    assertThat(fleet.admin.deployment(beside.id()).devices())
        .extracting(d -> d.state())
        .containsExactly(RolloutState.ACTIVE);
    await(
        "the hub sees v1 beside v5",
        () -> {
          ModelReport pump = pumpOnHub(agent.deviceId());
          return pump != null
              && Long.valueOf(5).equals(pump.activeVersion())
              && pump.sideBySide()
                  .contains(
                      new SideBySideVersion(1, beside.id(), SideBySideVersion.State.SERVING, null));
        });

    assertThat(post(agent, "/v2/repository/models/pump/unload", "").statusCode()).isEqualTo(200);

    assertThat(answer(agent, "/v2/models/pump/infer")).isEqualTo("status 404");
    await(
        "the hub sees the local unload",
        () -> {
          ModelReport pump = pumpOnHub(agent.deviceId());
          return pump != null
              && pump.local().stream().anyMatch(c -> c.action() == LocalChange.Action.UNLOADED);
        });

    fleet.admin.rolloutAction(beside.id(), ApiPaths.ROLLBACK, "done comparing");

    await(
        "the hub's change wins: v5 serves again",
        () -> answer(agent, "/v2/models/pump/infer").equals("5"));
    assertThat(answer(agent, "/v2/models/pump/versions/1/infer")).isEqualTo("status 404");
    await(
        "the side-by-side deployment is rolled back",
        () -> fleet.admin.deployment(beside.id()).state() == RolloutPhase.ROLLED_BACK);
    await(
        "the hub sees no local change any more",
        () -> {
          ModelReport pump = pumpOnHub(agent.deviceId());
          return pump != null && pump.local().isEmpty() && pump.sideBySide().isEmpty();
        });
    assertThat(List.of(answer(agent, "/v2/models/pump/versions/5/infer"))).containsExactly("5");
  }
}
