package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.VersionStats;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The per-version health counters the hub's rollout gates read, as the agent reports them. */
class HealthReportTest extends AgentHarness {

  private VersionStats reportedStats(String model) {
    return reported(model).orElseThrow().stats();
  }

  private static long total(VersionStats stats) {
    return stats.latency().stream().mapToLong(Long::longValue).sum();
  }

  @Test
  void reports_requests_engine_errors_latency_and_output_means_of_the_active_version() {
    DesiredModel pump = hub.model("pump", 1, bundles.logistic("pump", 1), false, 7);
    hub.desire(pump);
    Agent agent = start(config(), new FailingInputsEngine(Engines.ONNX));
    agent.syncNow();
    Http http = http(agent);

    JsonNode first = http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1)).json();
    JsonNode second = http.post("/v2/models/pump/infer", Http.logisticRequest("b", 3, 2)).json();
    assertThat(http.post("/v2/models/pump/infer", Http.logisticRequest("c", -1, 1)).status())
        .as("an engine error")
        .isEqualTo(500);
    assertThat(http.post("/v2/models/pump/infer", "{\"inputs\":[]}").status())
        .as("a malformed request")
        .isEqualTo(400);
    agent.syncNow();

    VersionStats stats = reportedStats("pump");
    assertThat(stats.version()).isEqualTo(1);
    assertThat(stats.deploymentId()).isEqualTo(7L);
    assertThat(stats.activatedAt()).isNotNull();
    assertThat(stats.requests()).isEqualTo(4);
    assertThat(stats.errors()).as("only the failure inside the model").isEqualTo(1);
    assertThat(stats.latency()).hasSize(LatencyBuckets.COUNT);
    assertThat(total(stats)).as("latency of successful requests").isEqualTo(2);
    for (int column = 0; column < 2; column++) {
      double mean =
          (first.at("/outputs/0/data/" + column).asDouble()
                  + second.at("/outputs/0/data/" + column).asDouble())
              / 2;
      assertThat(stats.outputMeans().get("output[" + column + "]"))
          .isCloseTo(mean, org.assertj.core.data.Offset.offset(1e-6));
    }
    assertThat(stats.outputMeans()).hasSize(2);
  }

  @Test
  void a_model_that_serves_no_version_reports_no_counters() {
    hub.desire(hub.model("pump", 1, TestBundles.tamper(bundles.logistic("pump", 1))));
    Agent agent = start();

    agent.syncNow();

    assertThat(reported("pump").orElseThrow().stats()).isNull();
  }

  @Test
  void counters_survive_a_restart() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), false, 3));
    Agent first = start();
    first.syncNow();
    Http http = http(first);
    for (int i = 0; i < 3; i++) {
      versionAnswering(http, "pump");
    }
    first.syncNow();
    VersionStats before = reportedStats("pump");
    versionAnswering(http, "pump");
    first.close();

    Agent second = start(config().withEnrollmentToken(null));
    versionAnswering(http(second), "pump");
    second.syncNow();

    VersionStats after = reportedStats("pump");
    assertThat(after.requests())
        .as("3 + 1 before the restart (saved at close), 1 after")
        .isEqualTo(5);
    assertThat(after.deploymentId()).isEqualTo(3L);
    assertThat(after.activatedAt()).isEqualTo(before.activatedAt());
    assertThat(total(after)).isEqualTo(5);
    assertThat(after.outputMeans()).containsKeys("output[0]", "output[1]");
  }

  @Test
  void a_new_version_starts_counting_from_zero() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), false, 1));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    versionAnswering(http, "pump");
    versionAnswering(http, "pump");

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2), false, 2));
    agent.syncNow();
    versionAnswering(http, "pump");
    agent.syncNow();

    VersionStats stats = reportedStats("pump");
    assertThat(stats.version()).isEqualTo(2);
    assertThat(stats.deploymentId()).isEqualTo(2L);
    assertThat(stats.requests()).isEqualTo(1);
  }

  @Test
  void moving_counters_are_reported_once_a_poll_not_once_a_request() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config().withPollInterval(Duration.ofMillis(200)));
    Eventually.await(
        "the model serves",
        () ->
            reported("pump").isPresent() && reported("pump").orElseThrow().activeVersion() != null);
    Http http = http(agent);
    int polls = hub.calls("GET", "/desired").size();
    int reports = hub.reports.size();

    for (int i = 0; i < 50; i++) {
      versionAnswering(http, "pump");
    }
    Eventually.await("the counters reported", () -> reportedStats("pump").requests() == 50);

    int pollsMeanwhile = hub.calls("GET", "/desired").size() - polls;
    assertThat(hub.reports.size() - reports).isLessThanOrEqualTo(pollsMeanwhile + 1);
  }
}
