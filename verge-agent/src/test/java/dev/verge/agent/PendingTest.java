package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** What the agent reports of a version it works towards and does not serve yet. */
class PendingTest extends AgentHarness {

  /**
   * Regression (issue 7): a download the hub answered 503 was reported as a failed version with its
   * error, so the hub showed FAILED for a device that simply tries again.
   */
  @Test
  void a_bundle_the_hub_cannot_serve_for_now_is_retrying_not_failed() {
    DesiredModel pump = hub.model("pump", 1, bundles.logistic("pump", 1), false, 4);
    hub.desire(pump);
    hub.failBundleDownloads.set(Integer.MAX_VALUE);
    Agent agent = start();

    agent.syncNow();

    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.failedVersion()).isNull();
    assertThat(report.error()).isNull();
    assertThat(report.failedDeployment()).isNull();
    PendingTarget pending = report.pending();
    assertThat(pending.phase()).isEqualTo(PendingTarget.Phase.RETRYING);
    assertThat(pending.version()).isEqualTo(1);
    assertThat(pending.deploymentId()).isEqualTo(4);
    assertThat(pending.detail()).contains("503").contains("under maintenance");
    assertThat(pending.since()).isNotNull();

    hub.failBundleDownloads.set(0);
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(reported("pump").orElseThrow().pending()).isNull();
    assertThat(reported("pump").orElseThrow().activeVersion()).isEqualTo(1L);
  }

  @Test
  void a_refused_bundle_stays_a_failed_version_and_is_not_pending() {
    hub.desire(hub.model("pump", 1, TestBundles.tamper(bundles.logistic("pump", 1)), false, 5));
    Agent agent = start();

    agent.syncNow();

    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.failedVersion()).isEqualTo(1L);
    assertThat(report.failedDeployment()).isEqualTo(5L);
    assertThat(report.error()).startsWith("signature check failed");
    assertThat(report.pending()).isNull();
  }

  @Test
  void reports_downloading_while_the_bundle_is_fetched() throws Exception {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), false, 6));
    Agent agent = start();
    agent.syncNow();
    CountDownLatch gate = new CountDownLatch(1);
    hub.bundleGate = gate;
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2), false, 7));
    CompletableFuture<Void> sync = CompletableFuture.runAsync(agent::syncNow);
    try {
      Eventually.await(
          "a report of the download",
          () -> {
            ModelReport r = reported("pump").orElseThrow();
            return r.pending() != null && r.pending().phase() == PendingTarget.Phase.DOWNLOADING;
          });
      ModelReport during = reported("pump").orElseThrow();
      assertThat(during.pending().version()).isEqualTo(2);
      assertThat(during.pending().deploymentId()).isEqualTo(7);
      assertThat(during.activeVersion()).isEqualTo(1L);
    } finally {
      gate.countDown();
    }
    sync.get();

    assertThat(reported("pump").orElseThrow().activeVersion()).isEqualTo(2L);
    assertThat(reported("pump").orElseThrow().pending()).isNull();
  }
}
