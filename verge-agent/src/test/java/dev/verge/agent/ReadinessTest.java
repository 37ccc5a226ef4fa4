package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CapturePolicy;
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

  /**
   * Issue 9: /v2/health/ready stayed 200 while every request was refused with 507 (store full). Not
   * ready, with the reason, while the store refuses records; ready again once forwarding made room.
   */
  @Test
  void a_full_store_is_not_ready_until_forwarding_makes_room() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent =
        start(
            config()
                .withMaxStoreBytes(AgentConfig.MIN_STORE_BYTES)
                .withCapture(
                    CaptureConfig.defaults()
                        .withMode(CaptureConfig.Mode.SYNC)
                        .withPolicy(CapturePolicy.EVERY.withInputs(true))));
    agent.syncNow();
    Http http = http(agent);
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);

    int answered = 0;
    Http.Response refused = null;
    while (refused == null && answered < 5_000) {
      Http.Response response = http.post("/v2/models/pump/infer", rows("r" + answered, 64));
      if (response.status() == 507) {
        refused = response;
      } else {
        assertThat(response.status()).as(response.body()).isEqualTo(200);
        answered++;
      }
    }
    assertThat(refused).as("the 1 MiB store filled up").isNotNull();
    Http.Response notReady = http.get("/v2/health/ready");
    assertThat(notReady.status()).isEqualTo(503);
    assertThat(notReady.error()).startsWith("not ready: ").contains("is full (budget 1 MiB)");

    agent.flushPredictions();

    Eventually.await("ready again", () -> http.get("/v2/health/ready").status() == 200);
    assertThat(http.post("/v2/models/pump/infer", rows("after", 64)).status()).isEqualTo(200);
    assertThat(hub.predictions()).hasSize(answered);
  }

  /** An infer request {@code id} for the logistic model with {@code count} rows. */
  private static String rows(String id, int count) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < count; i++) {
      data.append(i == 0 ? "" : ",").append(0.1234567f * i).append(",").append(7.654321f);
    }
    return "{\"id\":\""
        + id
        + "\",\"inputs\":[{\"name\":\"input\",\"shape\":["
        + count
        + ",2],\"datatype\":\"FP32\",\"data\":["
        + data
        + "]}]}";
  }
}
