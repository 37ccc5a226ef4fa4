package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class ReadinessTest extends AgentHarness {

  @Test
  void ready_is_503_until_every_desired_model_is_active() {
    CountDownLatch gate = new CountDownLatch(1);
    hub.bundleGate = gate;
    hub.desire(
        hub.model("pump", 1, bundles.logistic("pump", 1)),
        hub.model("fan", 1, bundles.logistic("fan", 1)));
    Agent agent = start();
    Http http = http(agent);

    assertThat(http.get("/v2/health/live").status()).isEqualTo(200);
    Eventually.await("not ready", () -> http.get("/v2/health/ready").status() == 503);
    assertThat(http.get("/v2/health/ready").error())
        .startsWith("not ready: ")
        .contains("pump v1 is not active");

    gate.countDown();

    Eventually.await("ready", () -> http.get("/v2/health/ready").status() == 200);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(versionAnswering(http, "fan")).isEqualTo("1");
  }

  @Test
  void a_device_with_nothing_to_serve_is_ready() {
    hub.desire();
    Agent agent = start();
    agent.syncNow();

    assertThat(http(agent).get("/v2/health/ready").status()).isEqualTo(200);
  }
}
