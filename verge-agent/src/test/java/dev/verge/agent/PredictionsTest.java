package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.core.api.PredictionRecord;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PredictionsTest extends AgentHarness {

  @Test
  void records_every_prediction_and_forwards_it() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    for (int i = 0; i < 3; i++) {
      http.post("/v2/models/pump/infer", Http.logisticRequest("req-" + i, i, i));
    }
    assertThat(agent.status().predictionsPending()).isEqualTo(3);

    agent.flushPredictions();

    assertThat(hub.batches()).containsOnlyKeys("dev-1:1-3");
    assertThat(hub.predictions())
        .extracting(PredictionRecord::requestId)
        .containsExactly("req-0", "req-1", "req-2");
    PredictionRecord record = hub.predictions().getFirst();
    assertThat(record.model()).isEqualTo("pump");
    assertThat(record.version()).isEqualTo(1);
    assertThat(record.outputs().get(0).path("data").size()).isEqualTo(2);
    AgentStatus status = agent.status();
    assertThat(status.predictionsServed()).isEqualTo(3);
    assertThat(status.predictionsPending()).isZero();
  }

  @Test
  void inputs_reach_the_hub_for_a_model_whose_policy_captures_them() {
    hub.desire(
        hub.model("pump", 1, bundles.logistic("pump", 1)),
        hub.model("other", 1, bundles.logistic("other", 1)));
    Agent agent =
        start(
            config()
                .withCapture(
                    CaptureConfig.defaults()
                        .withModels(Map.of("pump", CapturePolicy.DEFAULT.with("inputs=true")))));
    agent.syncNow();
    Http http = http(agent);
    http.post("/v2/models/pump/infer", Http.logisticRequest("with", 8.3f, 7.5f));
    http.post("/v2/models/other/infer", Http.logisticRequest("without", 8.3f, 7.5f));

    agent.flushPredictions();

    assertThat(hub.predictions()).hasSize(2);
    PredictionRecord with = hub.predictions().get(0);
    assertThat(with.requestId()).isEqualTo("with");
    JsonNode input = with.inputs().get(0);
    assertThat(input.path("name").asText()).isEqualTo("input");
    assertThat(input.path("shape").toString()).isEqualTo("[1,2]");
    assertThat(input.path("data").get(0).floatValue()).isEqualTo(8.3f);
    assertThat(input.path("data").get(1).floatValue()).isEqualTo(7.5f);
    assertThat(hub.predictions().get(1).inputs()).isNull();
  }

  @Test
  void forwarding_resumes_after_a_hub_error() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1));
    hub.failPredictionBatches.set(1);

    agent.flushPredictions();
    assertThat(agent.status().predictionsPending()).isEqualTo(1);
    agent.flushPredictions();

    assertThat(agent.status().predictionsPending()).isZero();
    assertThat(hub.predictions()).hasSize(1);
  }

  @Test
  void status_endpoint_shows_device_models_and_counters() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    versionAnswering(http, "pump");

    JsonNode status = http.get("/verge/v1/status").json();

    assertThat(status.path("deviceId").asText()).isEqualTo("dev-1");
    assertThat(status.path("models").get(0).path("name").asText()).isEqualTo("pump");
    assertThat(status.path("models").get(0).path("activeVersion").asLong()).isEqualTo(1);
    assertThat(status.path("predictionsServed").asLong()).isEqualTo(1);
    assertThat(status.path("predictionsPending").asLong()).isEqualTo(1);
  }
}
