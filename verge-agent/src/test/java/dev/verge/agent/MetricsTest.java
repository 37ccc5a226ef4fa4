package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import dev.verge.http.Exposition;
import java.net.http.HttpRequest;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics} of a real agent, scraped after real requests, syncs and forwards. */
class MetricsTest extends AgentHarness {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private static Exposition scrape(Http http) {
    Http.Response response = http.get("/metrics");
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().get("content-type")).containsExactly(PROMETHEUS_TEXT);
    return Exposition.parse(response.body());
  }

  @Test
  void shows_inference_predictions_store_sync_and_downloads_per_model_version() {
    byte[] bundle = bundles.logistic("pump", 1);
    hub.desire(hub.model("pump", 1, bundle));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    Exposition before = scrape(http);
    assertThat(before.find("verge_agent_inference_requests_total")).isEmpty();
    assertThat(before.value("verge_agent_predictions_recorded_total")).isZero();

    for (int i = 0; i < 3; i++) {
      assertThat(http.post("/v2/models/pump/infer", Http.logisticRequest("r" + i, i, i)).status())
          .isEqualTo(200);
    }
    String badShape =
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3],\"datatype\":\"FP32\",\"data\":[1,2,3]}]}";
    assertThat(http.post("/v2/models/pump/infer", badShape).status()).isEqualTo(400);
    hub.refusedRequestIds.add("r2");
    agent.flushPredictions();

    Exposition page = scrape(http);
    String[] pump1 = {"model", "pump", "version", "1"};
    assertThat(page.value("verge_agent_inference_requests_total", pump1)).isEqualTo(4);
    assertThat(page.value("verge_agent_inference_errors_total", pump1)).isEqualTo(1);
    assertThat(page.value("verge_agent_inference_duration_seconds_count", pump1)).isEqualTo(3);
    assertThat(page.value("verge_agent_inference_duration_seconds_sum", pump1)).isPositive();
    assertThat(
            page.value(
                "verge_agent_inference_duration_seconds_bucket",
                "model",
                "pump",
                "version",
                "1",
                "le",
                "+Inf"))
        .isEqualTo(3);
    assertThat(page.find("verge_agent_inference_duration_seconds_bucket", pump1))
        .as("buckets from 50 µs to 10 s, then +Inf")
        .hasSize(18)
        .anySatisfy(s -> assertThat(s.labels()).containsEntry("le", "5.0E-5"));
    assertThat(page.value("verge_agent_predictions_recorded_total")).isEqualTo(3);
    double commits = page.value("verge_agent_capture_commits_total");
    assertThat(commits).isBetween(1.0, 3.0);
    assertThat(page.value("verge_agent_capture_commit_duration_seconds_count"))
        .isGreaterThanOrEqualTo(commits);
    assertThat(page.value("verge_agent_capture_commit_duration_seconds_max"))
        .as("the longest recent commit, what bounds a buffered power cut's loss")
        .isPositive()
        .isLessThanOrEqualTo(page.value("verge_agent_capture_commit_duration_seconds_sum"));
    assertThat(page.value("verge_agent_capture_lag_seconds_count")).isBetween(1.0, commits);
    assertThat(page.value("verge_agent_capture_lag_seconds_max"))
        .as("the longest a record waited for its commit, what a buffered power cut loses")
        .isPositive()
        .isLessThanOrEqualTo(page.value("verge_agent_capture_lag_seconds_sum"));
    assertThat(page.value("verge_agent_predictions_forwarded_total")).isEqualTo(2);
    assertThat(page.value("verge_agent_predictions_dropped_total", "reason", "refused_by_hub"))
        .isEqualTo(1);
    assertThat(page.value("verge_agent_predictions_dropped_total", "reason", "pruned")).isZero();
    assertThat(page.value("verge_agent_predictions_pending")).isZero();
    assertThat(page.value("verge_agent_store_budget_bytes"))
        .isEqualTo(AgentConfig.DEFAULT_MAX_STORE_BYTES);
    assertThat(page.value("verge_agent_store_size_bytes")).isPositive();
    assertThat(page.value("verge_agent_store_used_bytes"))
        .isPositive()
        .isLessThanOrEqualTo(page.value("verge_agent_store_size_bytes"));
    assertThat(page.value("verge_agent_sync_state", "state", "in_sync")).isEqualTo(1);
    assertThat(page.value("verge_agent_sync_state", "state", "offline")).isZero();
    assertThat(page.value("verge_agent_hub_last_contact_age_seconds")).isBetween(0.0, 60.0);
    assertThat(page.value("verge_agent_bundle_downloads_total", "outcome", "complete"))
        .isEqualTo(1);
    assertThat(page.value("verge_agent_bundle_download_bytes_total")).isEqualTo(bundle.length);
    assertThat(page.value("verge_agent_installs_total", "outcome", "activated")).isEqualTo(1);
  }

  @Test
  void counts_a_refused_install_by_the_check_that_refused_it() {
    DesiredModel desired = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.substitutes.put(desired.bundleDigest(), bundles.logistic("pump", 2));
    hub.desire(desired);
    Agent agent = start();
    agent.syncNow();

    Exposition page = scrape(http(agent));
    assertThat(page.value("verge_agent_installs_total", "outcome", "digest")).isPositive();
    assertThat(page.find("verge_agent_installs_total", "outcome", "activated")).isEmpty();
    assertThat(page.value("verge_agent_sync_state", "state", "behind")).isEqualTo(1);
  }

  @Test
  void shows_offline_when_the_hub_cannot_be_reached() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    hub.close();

    agent.syncNow();

    Exposition page = scrape(http(agent));
    assertThat(page.value("verge_agent_sync_state", "state", "offline")).isEqualTo(1);
    assertThat(page.value("verge_agent_sync_state", "state", "in_sync")).isZero();
    assertThat(page.value("verge_agent_hub_last_contact_timestamp_seconds")).isPositive();
  }

  @Test
  void answers_openmetrics_when_asked() {
    Agent agent = start();
    Http.Response response =
        http(agent)
            .send(
                HttpRequest.newBuilder(agent.inferenceUrl().resolve("/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0")
                    .GET());

    assertThat(response.status()).isEqualTo(200);
    assertThat(response.headers().get("content-type").getFirst())
        .startsWith("application/openmetrics-text");
    assertThat(Exposition.parse(response.body()).value("verge_agent_predictions_pending")).isZero();
  }

  @Test
  void a_metrics_token_is_required_once_configured() {
    Agent agent = start(config().withMetricsToken("scrape-secret"));
    Http http = http(agent);

    Http.Response anonymous = http.get("/metrics");
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.headers().get("www-authenticate").getFirst()).startsWith("Bearer");
    assertThat(anonymous.error()).contains("Authorization: Bearer");
    Http.Response wrong = withToken(http, agent, "not-it");
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain("scrape-secret");

    Http.Response right = withToken(http, agent, "scrape-secret");
    assertThat(right.status()).isEqualTo(200);
    Exposition.parse(right.body());
    // The rest of the local API stays as it was.
    assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
  }

  private static Http.Response withToken(Http http, Agent agent, String token) {
    return http.send(
        HttpRequest.newBuilder(agent.inferenceUrl().resolve("/metrics"))
            .header("Authorization", "Bearer " + token)
            .GET());
  }
}
