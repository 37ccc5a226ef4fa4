package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.ModelReport;
import dev.verge.core.signing.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class SyncTest extends AgentHarness {

  @Test
  void installs_and_serves_the_desired_model() {
    DesiredModel pump = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.desire(pump);
    Agent agent = start();

    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(reportedVersions("pump"))
        .contains(new ModelReport("pump", 1L, List.of(1L), null, null, null));
    assertThat(agent.status().models().stream().map(AgentHarness::withoutStats))
        .containsExactly(reportedVersions("pump").orElseThrow());
    assertThat(data.resolve("bundles").resolve(pump.bundleDigest() + ".vbundle")).exists();
    assertThat(hub.lastReport().agentVersion()).isEqualTo(AgentVersion.CURRENT);
  }

  @Test
  void an_unchanged_desired_state_costs_a_304() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    agent.syncNow();

    String etag = "\"" + hub.desired().revision() + "\"";
    assertThat(hub.calls("GET", "/desired"))
        .anySatisfy(
            call -> {
              assertThat(call.ifNoneMatch()).isEqualTo(etag);
              assertThat(call.status()).isEqualTo(304);
            });
    assertThat(hub.calls("GET", "/bundles/")).hasSize(1);
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
  }

  @Test
  void upgrades_to_a_new_version() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
    assertThat(reportedVersions("pump"))
        .contains(new ModelReport("pump", 2L, List.of(1L, 2L), null, null, null));
  }

  @Test
  void refuses_lower_version_without_rollback() {
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    Agent agent = start();
    agent.syncNow();

    hub.desire(v1);
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(2L);
    assertThat(report.failedVersion()).isEqualTo(1L);
    assertThat(report.error())
        .startsWith("anti-rollback check failed: pump v1 is lower than v2")
        .contains("rollback");
    assertThat(hub.calls("GET", v1.bundleDigest())).as("refused before downloading").isEmpty();
  }

  @Test
  void accepts_lower_version_in_a_rollback() {
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    Agent agent = start();
    agent.syncNow();

    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), true));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(reportedVersions("pump"))
        .contains(new ModelReport("pump", 1L, List.of(1L, 2L), null, null, null));
  }

  @Test
  void tampered_bundle_is_refused_and_the_old_version_keeps_serving() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    DesiredModel tampered = hub.model("pump", 2, TestBundles.tamper(bundles.logistic("pump", 2)));
    hub.desire(tampered);
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).isEqualTo(2L);
    assertThat(report.error())
        .startsWith("signature check failed:")
        .contains("does not match the manifest");
    assertThat(data.resolve("bundles").resolve(tampered.bundleDigest() + ".vbundle"))
        .as("refused bundles are not kept")
        .doesNotExist();
  }

  @Test
  void bundle_signed_by_an_untrusted_key_is_refused() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2, Keys.generate().getPrivate())));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(reported("pump").orElseThrow().error())
        .startsWith("signature check failed:")
        .contains("which is not a trusted publisher key");
  }

  @Test
  void bundle_whose_digest_differs_from_the_desired_state_is_refused() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    DesiredModel v2 = hub.model("pump", 2, bundles.logistic("pump", 2));
    byte[] other = bundles.logistic("pump", 2);
    hub.substitutes.put(v2.bundleDigest(), other);
    hub.desire(
        new DesiredModel("pump", 2, v2.bundleDigest(), other.length, v2.deploymentId(), false));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.failedVersion()).isEqualTo(2L);
    assertThat(report.error()).startsWith("digest check failed:");
    assertThat(data.resolve("bundles").resolve(v2.bundleDigest() + ".part")).doesNotExist();
  }

  @Test
  void bundle_holding_another_version_than_desired_is_refused() {
    DesiredModel v2 = hub.model("pump", 2, bundles.logistic("pump", 2));
    hub.desire(new DesiredModel("pump", 3, v2.bundleDigest(), v2.bundleSize(), 1, false));
    Agent agent = start();

    agent.syncNow();

    assertThat(reported("pump").orElseThrow().error())
        .isEqualTo(
            "manifest check failed: bundle holds pump v2, the desired state asks for pump v3");
    assertThat(http(agent).get("/v2/models/pump").status()).isEqualTo(404);
  }

  @Test
  void resumes_a_partial_download_with_range() throws IOException {
    byte[] bundle = bundles.logistic("pump", 1);
    DesiredModel pump = hub.model("pump", 1, bundle);
    Path folder = Files.createDirectories(data.resolve("bundles"));
    Files.write(folder.resolve(pump.bundleDigest() + ".part"), Arrays.copyOf(bundle, 700));
    hub.desire(pump);
    Agent agent = start();

    agent.syncNow();

    FakeHub.Call download = hub.calls("GET", "/bundles/").getFirst();
    assertThat(download.range()).isEqualTo("bytes=700-");
    assertThat(download.status()).isEqualTo(206);
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
  }

  @Test
  void stops_serving_models_no_longer_desired() {
    DesiredModel pump = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.desire(pump, hub.model("fan", 1, bundles.logistic("fan", 1)));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    assertThat(versionAnswering(http, "fan")).isEqualTo("1");

    hub.desire(pump);
    agent.syncNow();

    assertThat(http.get("/v2/models/fan").status()).isEqualTo(404);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(reported("fan"))
        .contains(new ModelReport("fan", null, List.of(1L), null, null, null));
  }

  @Test
  void does_not_retry_a_failed_version_in_a_hot_loop() {
    DesiredModel tampered = hub.model("pump", 1, TestBundles.tamper(bundles.logistic("pump", 1)));
    hub.desire(tampered);
    Agent agent = start(config().withPollInterval(Duration.ofMillis(10)));

    Eventually.await("20 polls", () -> hub.calls("GET", "/desired").size() >= 20);

    assertThat(hub.calls("GET", tampered.bundleDigest())).hasSize(1);
    assertThat(reported("pump").orElseThrow().error()).startsWith("signature check failed");
    agent.syncNow();
    assertThat(hub.calls("GET", tampered.bundleDigest())).as("a manual sync retries").hasSize(2);
  }

  @Test
  void keeps_serving_while_the_hub_is_down() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();

    hub.close();
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(agent.status().models().getFirst().activeVersion()).isEqualTo(1L);
    assertThat(http(agent).get("/v2/health/ready").status()).isEqualTo(200);
  }

  @Test
  void close_ends_a_long_poll_at_once() {
    CountDownLatch gate = new CountDownLatch(1);
    hub.desiredGate = gate;
    try {
      Agent agent = start(config().withPollInterval(Duration.ofSeconds(30)));
      Eventually.await("a long poll in flight", () -> hub.desiredArrivals.get() == 1);

      long started = System.nanoTime();
      agent.close();

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
    } finally {
      gate.countDown();
    }
  }

  @Test
  void reports_prediction_counters() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start();
    agent.syncNow();
    Http http = http(agent);
    versionAnswering(http, "pump");
    http.post("/v2/models/pump/infer", "{}");

    agent.syncNow();

    assertThat(hub.lastReport().predictionsServed()).isEqualTo(1);
    assertThat(hub.lastReport().predictionsFailed()).isEqualTo(1);
  }
}
