package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.LocalChange;
import dev.verge.core.api.ModelReport;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The model repository extension on a device: the index, and local loads and unloads, which the hub
 * sees in the report and which the next change of the desired state undoes.
 */
class ModelRepositoryTest extends AgentHarness {

  private static int infer(Http http, String path) {
    return http.post(path, Http.logisticRequest("t", 1, 1)).status();
  }

  /** The index as "name v<version> STATE[: reason]" lines. */
  private static List<String> index(Http http, String body) {
    Http.Response response = http.post("/v2/repository/index", body);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<String> lines = new ArrayList<>();
    for (JsonNode entry : response.json()) {
      lines.add(
          entry.path("name").asText()
              + " v"
              + entry.path("version").asText()
              + " "
              + entry.path("state").asText()
              + (entry.has("reason") ? ": " + entry.path("reason").asText() : ""));
    }
    return lines;
  }

  private List<LocalChange> reportedLocal(String model) {
    return reported(model).map(ModelReport::local).orElse(List.of());
  }

  /** pump v1 then v2 installed, v2 serving, v1 kept. */
  private Agent upgraded() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    agent.syncNow();
    return agent;
  }

  @Test
  void the_index_lists_every_version_with_its_state_and_why_it_does_not_serve() {
    Agent agent = upgraded();
    Http http = http(agent);

    assertThat(index(http, ""))
        .containsExactly(
            "pump v1 UNAVAILABLE: kept on this device; the hub's desired state does not ask for it",
            "pump v2 READY");
    assertThat(index(http, "{\"ready\": true}")).containsExactly("pump v2 READY");
    assertThat(http.get("/v2").json().path("extensions").toString()).contains("model_repository");
  }

  @Test
  void a_local_unload_stops_serving_is_reported_and_lasts_until_the_desired_state_changes() {
    Agent agent = upgraded();
    Http http = http(agent);

    Http.Response unload = http.post("/v2/repository/models/pump/unload", "");

    assertThat(unload.status()).as(unload.body()).isEqualTo(200);
    assertThat(infer(http, "/v2/models/pump/infer")).isEqualTo(404);
    assertThat(index(http, ""))
        .contains(
            "pump v2 UNAVAILABLE: unloaded through the local API;"
                + " the hub's next desired-state change loads it again");
    Eventually.await(
        "the unload reported to the hub",
        () ->
            reportedLocal("pump").stream()
                .anyMatch(c -> c.action() == LocalChange.Action.UNLOADED));
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);

    agent.syncNow();
    assertThat(infer(http, "/v2/models/pump/infer"))
        .as("an unchanged desired state leaves it unloaded")
        .isEqualTo(404);

    hub.desire(hub.desired().models().toArray(DesiredModel[]::new));
    agent.syncNow();
    assertThat(infer(http, "/v2/models/pump/infer")).isEqualTo(200);
    assertThat(reportedLocal("pump")).isEmpty();
  }

  @Test
  void a_load_lifts_a_local_unload_at_once() {
    Agent agent = upgraded();
    Http http = http(agent);
    http.post("/v2/repository/models/pump/unload", "");

    Http.Response load = http.post("/v2/repository/models/pump/load", "");

    assertThat(load.status()).as(load.body()).isEqualTo(200);
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    Eventually.await("the reload reported", () -> reportedLocal("pump").isEmpty());
  }

  @Test
  void a_kept_version_loads_beside_the_default_until_the_desired_state_changes() {
    Agent agent = upgraded();
    Http http = http(agent);

    Http.Response load =
        http.post("/v2/repository/models/pump/load", "{\"parameters\": {\"version\": \"1\"}}");

    assertThat(load.status()).as(load.body()).isEqualTo(200);
    assertThat(infer(http, "/v2/models/pump/versions/1/infer")).isEqualTo(200);
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    assertThat(index(http, "")).containsExactly("pump v1 READY", "pump v2 READY");
    Eventually.await(
        "the local load reported",
        () ->
            reportedLocal("pump").stream()
                .anyMatch(c -> c.action() == LocalChange.Action.LOADED && c.version() == 1L));

    hub.desire(hub.desired().models().toArray(DesiredModel[]::new));
    agent.syncNow();

    assertThat(infer(http, "/v2/models/pump/versions/1/infer")).isEqualTo(404);
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    assertThat(reportedLocal("pump")).isEmpty();
  }

  @Test
  void a_model_the_hub_no_longer_wants_loads_locally_from_its_kept_bundle() {
    Agent agent = upgraded();
    hub.desire();
    agent.syncNow();
    Http http = http(agent);
    assertThat(infer(http, "/v2/models/pump/infer")).isEqualTo(404);

    assertThat(http.post("/v2/repository/models/pump/load", "{}").status()).isEqualTo(200);

    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    agent.syncNow();
    assertThat(versionAnswering(http, "pump"))
        .as("kept while the hub changes nothing")
        .isEqualTo("2");
    hub.desire();
    agent.syncNow();
    assertThat(infer(http, "/v2/models/pump/infer")).isEqualTo(404);
  }

  @Test
  void loads_and_unloads_that_cannot_be_done_say_why() {
    Agent agent = upgraded();
    Http http = http(agent);

    Http.Response unknown = http.post("/v2/repository/models/fan/load", "");
    Http.Response missing =
        http.post("/v2/repository/models/pump/load", "{\"parameters\":{\"version\":7}}");
    Http.Response badVersion =
        http.post("/v2/repository/models/pump/load", "{\"parameters\":{\"version\":\"seven\"}}");
    Http.Response badBody = http.post("/v2/repository/models/pump/load", "{\"parameters\":");
    Http.Response unloadUnknown = http.post("/v2/repository/models/fan/unload", "");

    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.error()).contains("no version of model 'fan' is kept on this device");
    assertThat(missing.status()).isEqualTo(404);
    assertThat(missing.error())
        .contains("version 7 of model 'pump' is not kept")
        .contains("[v1, v2]");
    assertThat(badVersion.status()).isEqualTo(400);
    assertThat(badVersion.error()).contains("parameters.version").contains("seven");
    assertThat(badBody.status()).isEqualTo(400);
    assertThat(unloadUnknown.status()).isEqualTo(404);
    assertThat(unloadUnknown.error()).contains("model 'fan' is not known on this device");
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
  }
}
