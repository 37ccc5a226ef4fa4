package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.SideBySideVersion;
import dev.verge.core.api.SideBySideVersion.State;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Versions served beside a model's default version, as side-by-side deployments ask. */
class SideBySideTest extends AgentHarness {

  private static String versionAt(Http http, String path) {
    Http.Response response = http.post(path, Http.logisticRequest("t", 1, 1));
    if (response.status() != 200) {
      throw new AssertionError(path + " answered " + response.status() + ": " + response.body());
    }
    return response.json().path("model_version").asText();
  }

  private List<SideBySideVersion> reportedBeside(String model) {
    return reported(model).map(ModelReport::sideBySide).orElse(List.of());
  }

  @Test
  void without_a_side_by_side_deployment_an_older_version_is_a_404_naming_what_serves() {
    hub.desire(hub.model("pump", 5, bundles.logistic("pump", 5)));
    Agent agent = start();
    agent.syncNow();

    Http.Response response =
        http(agent).post("/v2/models/pump/versions/1/infer", Http.logisticRequest("t", 1, 1));

    assertThat(response.status()).isEqualTo(404);
    assertThat(response.error())
        .isEqualTo("model 'pump' version 1 is not loaded; version 5 serves");
  }

  @Test
  void a_version_beside_the_default_answers_on_its_versioned_paths() {
    DesiredModel v5 = hub.model("pump", 5, bundles.logistic("pump", 5));
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1), false, 2);
    hub.desire(List.of(v5), List.of(v1));
    Agent agent = start();

    agent.syncNow();

    Http http = http(agent);
    assertThat(versionAt(http, "/v2/models/pump/versions/1/infer")).isEqualTo("1");
    assertThat(versionAt(http, "/v2/models/pump/versions/5/infer")).isEqualTo("5");
    assertThat(versionAt(http, "/v2/models/pump/infer")).isEqualTo("5");
    assertThat(http.get("/v2/models/pump/versions/1/ready").status()).isEqualTo(200);
    assertThat(http.get("/v2/models/pump/versions/3/ready").status()).isEqualTo(404);
    JsonNode metadata = http.get("/v2/models/pump/versions/1").json();
    assertThat(metadata.path("versions").toString()).isEqualTo("[\"1\",\"5\"]");
    JsonNode stats = http.get("/v2/models/pump/stats").json().path("model_stats");
    assertThat(stats).hasSize(2);
    assertThat(stats.get(0).path("version").asText()).isEqualTo("1");
    assertThat(stats.get(0).path("inference_count").asLong()).isEqualTo(1);
    assertThat(
            http.get("/v2/models/pump/versions/5/stats")
                .json()
                .path("model_stats")
                .get(0)
                .path("inference_count")
                .asLong())
        .isEqualTo(2);
    assertThat(reported("pump").orElseThrow().activeVersion()).isEqualTo(5L);
    assertThat(reportedBeside("pump"))
        .containsExactly(new SideBySideVersion(1, 2, State.SERVING, null));
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
  }

  @Test
  void a_version_no_longer_wanted_beside_stops_serving_and_the_default_goes_on() {
    DesiredModel v5 = hub.model("pump", 5, bundles.logistic("pump", 5));
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1), false, 2);
    hub.desire(List.of(v5), List.of(v1));
    Agent agent = start();
    agent.syncNow();

    hub.desire(v5);
    agent.syncNow();

    Http http = http(agent);
    assertThat(
            http.post("/v2/models/pump/versions/1/infer", Http.logisticRequest("t", 1, 1)).status())
        .isEqualTo(404);
    assertThat(versionAt(http, "/v2/models/pump/infer")).isEqualTo("5");
    assertThat(reportedBeside("pump")).isEmpty();
  }

  @Test
  void a_lower_version_beside_needs_no_rollback_and_leaves_the_anti_rollback_floor_alone() {
    DesiredModel v5 = hub.model("pump", 5, bundles.logistic("pump", 5));
    hub.desire(v5);
    Agent agent = start();
    agent.syncNow();
    DesiredModel v7 = hub.model("pump", 7, bundles.logistic("pump", 7), false, 2);
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1), false, 3);

    hub.desire(List.of(v5), List.of(v1, v7));
    agent.syncNow();
    DesiredModel v6 = hub.model("pump", 6, bundles.logistic("pump", 6), false, 4);
    hub.desire(List.of(v6), List.of(v1, v7));
    agent.syncNow();

    Http http = http(agent);
    assertThat(versionAt(http, "/v2/models/pump/versions/1/infer")).isEqualTo("1");
    assertThat(versionAt(http, "/v2/models/pump/versions/7/infer")).isEqualTo("7");
    assertThat(versionAt(http, "/v2/models/pump/infer"))
        .as("v7 beside did not raise the floor that v6 is held to")
        .isEqualTo("6");
  }

  @Test
  void a_refused_version_beside_is_reported_failed_while_the_default_serves() {
    DesiredModel v5 = hub.model("pump", 5, bundles.logistic("pump", 5));
    DesiredModel bad =
        hub.model("pump", 4, TestBundles.tamper(bundles.logistic("pump", 4)), false, 2);
    hub.desire(List.of(v5), List.of(bad));
    Agent agent = start();

    agent.syncNow();

    assertThat(versionAt(http(agent), "/v2/models/pump/infer")).isEqualTo("5");
    SideBySideVersion reported = reportedBeside("pump").getFirst();
    assertThat(reported.version()).isEqualTo(4);
    assertThat(reported.state()).isEqualTo(State.FAILED);
    assertThat(reported.detail()).startsWith("signature check failed:");
    JsonNode index = http(agent).post("/v2/repository/index", "{}").json();
    assertThat(index.toString())
        .contains(
            "{\"name\":\"pump\",\"version\":\"4\",\"state\":\"UNAVAILABLE\",\"reason\":\"refused: signature check failed:");
  }

  @Test
  void versions_beside_serve_again_after_a_restart_without_the_hub() {
    DesiredModel v5 = hub.model("pump", 5, bundles.logistic("pump", 5));
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1), false, 2);
    hub.desire(List.of(v5), List.of(v1));
    Agent first = start();
    first.syncNow();
    first.close();
    hub.close();

    Agent second = start(config().withEnrollmentToken(null));

    Http http = http(second);
    assertThat(versionAt(http, "/v2/models/pump/versions/1/infer")).isEqualTo("1");
    assertThat(versionAt(http, "/v2/models/pump/infer")).isEqualTo("5");
  }

  @Test
  void several_models_serve_at_once() {
    DesiredModel pump = hub.model("pump", 2, bundles.logistic("pump", 2));
    DesiredModel fan = hub.model("fan", 3, bundles.logistic("fan", 3), false, 2);
    DesiredModel fanOld = hub.model("fan", 1, bundles.logistic("fan", 1), false, 3);
    hub.desire(List.of(pump, fan), List.of(fanOld));
    Agent agent = start();

    agent.syncNow();

    Http http = http(agent);
    assertThat(versionAt(http, "/v2/models/pump/infer")).isEqualTo("2");
    assertThat(versionAt(http, "/v2/models/fan/infer")).isEqualTo("3");
    assertThat(versionAt(http, "/v2/models/fan/versions/1/infer")).isEqualTo("1");
    assertThat(http.get("/v2/models/stats").json().path("model_stats")).hasSize(3);
  }
}
