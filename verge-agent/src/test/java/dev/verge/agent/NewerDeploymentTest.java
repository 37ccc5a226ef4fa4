package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 7: "a stuck or failed deployment never blocks a later one for the same model: the newer one
 * wins at once, and the agent does not wait out the old failure's backoff (today a rollback waits
 * it out)". These run on the background loop, not on a manual sync (which retries anyway).
 */
class NewerDeploymentTest extends AgentHarness {

  /** Well below the first retry back-off (10 s): only a new target is tried this soon. */
  private static final Duration PROMPTLY = Duration.ofSeconds(5);

  @Test
  void a_rollback_after_a_refused_downgrade_is_tried_at_once() {
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2), false, 1));
    Agent agent = start(config().withPollInterval(Duration.ofMillis(50)));
    Eventually.await(
        "v2 serves",
        () ->
            reported("pump")
                .map(r -> r.activeVersion() != null && r.activeVersion() == 2L)
                .orElse(false));
    byte[] v1 = bundles.logistic("pump", 1);
    hub.desire(hub.model("pump", 1, v1, false, 2));
    Eventually.await(
        "the downgrade refused",
        () ->
            reported("pump").map(r -> Long.valueOf(2).equals(r.failedDeployment())).orElse(false));

    hub.desire(hub.model("pump", 1, v1, true, 3));

    Eventually.await(
        "the rollback serves",
        PROMPTLY,
        () -> reported("pump").map(r -> r.activeVersion() == 1L).orElse(false));
    assertThat(reported("pump").orElseThrow().failedVersion()).isNull();
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
  }

  @Test
  void a_newer_deployment_does_not_wait_for_a_failed_ones_back_off() {
    hub.desire(hub.model("pump", 1, TestBundles.tamper(bundles.logistic("pump", 1)), false, 1));
    Agent agent = start(config().withPollInterval(Duration.ofMillis(50)));
    Eventually.await(
        "the tampered bundle refused",
        () -> reported("pump").map(r -> r.failedVersion() != null).orElse(false));

    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2), false, 2));

    Eventually.await(
        "the newer deployment serves",
        PROMPTLY,
        () -> reported("pump").map(r -> Long.valueOf(2).equals(r.activeVersion())).orElse(false));
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
  }
}
