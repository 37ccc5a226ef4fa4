package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.testing.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/**
 * Maintenance windows: the agent fetches and verifies at once and activates only inside the window,
 * read on its own (injected) clock in its own zone.
 */
class WindowTest extends AgentHarness {
  private static final MaintenanceWindow NIGHT =
      new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null);

  private final TestClock clock = new TestClock(Instant.parse("2026-12-01T23:00:00Z"));

  private AgentConfig utc() {
    return config().withTimeZone(ZoneId.of("UTC"));
  }

  private DesiredModel windowed(long version, long deployment, MaintenanceWindow window) {
    DesiredModel m =
        hub.model("pump", version, bundles.logistic("pump", version), false, deployment);
    return new DesiredModel(
        m.name(), m.version(), m.bundleDigest(), m.bundleSize(), m.deploymentId(), false, window);
  }

  private Agent servingV1(AgentConfig config) {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), false, 1));
    Agent agent = start(config, clock);
    agent.syncNow();
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    return agent;
  }

  @Test
  void downloads_at_once_and_activates_only_inside_the_window_across_midnight() {
    Agent agent = servingV1(utc());
    DesiredModel v2 = windowed(2, 2, NIGHT);
    hub.desire(v2);

    agent.syncNow();

    Http http = http(agent);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(data.resolve("bundles").resolve(v2.bundleDigest() + ".vbundle"))
        .as("fetched and kept ahead of the window")
        .exists();
    ModelReport waiting = reported("pump").orElseThrow();
    assertThat(waiting.pending().phase()).isEqualTo(PendingTarget.Phase.WAITING_FOR_WINDOW);
    assertThat(waiting.pending().version()).isEqualTo(2);
    assertThat(waiting.pending().detail()).isEqualTo("window 01:00-04:00 UTC");
    assertThat(waiting.failedVersion()).isNull();
    assertThat(http.get("/v2/health/ready").status())
        .as("serving v1 until the window is no reason to turn requests away")
        .isEqualTo(200);

    clock.set(Instant.parse("2026-12-02T00:59:59Z"));
    agent.syncNow();
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");

    clock.set(Instant.parse("2026-12-02T01:00:00Z"));
    // No sync: the window check between polls activates it.
    Eventually.await("v2 serves in its window", () -> versionAnswering(http, "pump").equals("2"));
    Eventually.await(
        "the activation reported",
        () ->
            reported("pump").orElseThrow().activeVersion() == 2L
                && reported("pump").orElseThrow().pending() == null);
    assertThat(hub.calls("GET", v2.bundleDigest())).as("downloaded once").hasSize(1);
  }

  @Test
  void a_window_that_crosses_midnight_allows_the_late_evening() {
    Agent agent = servingV1(utc());
    hub.desire(
        windowed(2, 2, new MaintenanceWindow(LocalTime.of(22, 0), LocalTime.of(4, 0), null)));

    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
    assertThat(reported("pump").orElseThrow().pending()).isNull();
  }

  @Test
  void reads_the_window_in_the_devices_zone_and_reports_the_zone() {
    // 23:00 UTC is 08:00 in Tokyo: outside 01:00-04:00 there, and so it waits.
    Agent agent = servingV1(config().withTimeZone(ZoneId.of("Asia/Tokyo")));
    hub.desire(windowed(2, 2, NIGHT));
    agent.syncNow();
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    assertThat(hub.lastReport().timeZone()).isEqualTo("Asia/Tokyo");
    assertThat(reported("pump").orElseThrow().pending().detail())
        .isEqualTo("window 01:00-04:00 Asia/Tokyo");

    // 17:30 UTC is 02:30 in Tokyo.
    clock.set(Instant.parse("2026-12-02T17:30:00Z"));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
  }

  @Test
  void an_idle_window_waits_until_the_model_has_served_nothing_for_long_enough() {
    Agent agent = servingV1(utc());
    Http http = http(agent);
    hub.desire(windowed(2, 2, new MaintenanceWindow(null, null, 60)));

    clock.advance(Duration.ofSeconds(50));
    versionAnswering(http, "pump");
    clock.advance(Duration.ofSeconds(30));
    agent.syncNow();
    assertThat(versionAnswering(http, "pump")).as("busy 30 s ago").isEqualTo("1");
    assertThat(reported("pump").orElseThrow().pending().detail()).isEqualTo("idle 60 s");

    clock.advance(Duration.ofSeconds(61));
    agent.syncNow();

    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
  }

  @Test
  void a_model_not_serving_yet_counts_as_idle() {
    hub.desire(windowed(1, 1, new MaintenanceWindow(null, null, 3600)));
    Agent agent = start(utc(), clock);

    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
  }

  @Test
  void a_newer_deployment_without_a_window_replaces_one_waiting_for_its_window() {
    Agent agent = servingV1(utc());
    hub.desire(windowed(2, 2, NIGHT));
    agent.syncNow();
    assertThat(reported("pump").orElseThrow().pending().phase())
        .isEqualTo(PendingTarget.Phase.WAITING_FOR_WINDOW);

    hub.desire(hub.model("pump", 3, bundles.logistic("pump", 3), false, 3));
    agent.syncNow();

    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("3");
    assertThat(reported("pump").orElseThrow().pending()).isNull();
  }
}
