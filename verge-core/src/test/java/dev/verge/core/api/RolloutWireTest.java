package dev.verge.core.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.json.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutWireTest {

  @Test
  void reads_the_gate_list_an_operator_types() {
    List<Gate> gates =
        Gate.parseList("error_rate<1%, p95_latency_ms<20,install_success>=99%,mean:output[1]<=0.5");

    assertThat(gates)
        .containsExactly(
            new Gate("error_rate", Gate.Op.LT, 0.01),
            new Gate("p95_latency_ms", Gate.Op.LT, 20),
            new Gate("install_success", Gate.Op.GE, 0.99),
            new Gate("mean:output[1]", Gate.Op.LE, 0.5));
    assertThat(gates.get(0).toString()).isEqualTo("error_rate<1%");
    assertThat(gates.get(3).toString()).isEqualTo("mean:output[1]<=0.5");
    assertThat(gates.get(0).passes(0.009)).isTrue();
    assertThat(gates.get(0).passes(0.01)).isFalse();
    assertThat(gates.get(2).passes(0.99)).isTrue();
  }

  @Test
  void names_the_gate_it_cannot_read() {
    assertThatThrownBy(() -> Gate.parseList("error_rate<1%,latency=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'latency=3'");
    assertThatThrownBy(() -> Gate.parseList("errors<1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown gate metric 'errors'");
    assertThatThrownBy(() -> Gate.parseList("error_rate<1.2.3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'1.2.3' is not a number");
  }

  @Test
  void a_window_across_midnight_holds_the_late_and_the_early_hours() {
    var window = new MaintenanceWindow(LocalTime.of(22, 0), LocalTime.of(4, 0), null);

    assertThat(window.inHours(LocalTime.of(23, 30))).isTrue();
    assertThat(window.inHours(LocalTime.of(3, 59))).isTrue();
    assertThat(window.inHours(LocalTime.of(4, 0))).isFalse();
    assertThat(window.inHours(LocalTime.of(12, 0))).isFalse();
    assertThat(window.inHours(LocalTime.of(22, 0))).isTrue();
  }

  @Test
  void an_idle_window_waits_for_quiet() {
    var daytime = new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), 30);

    assertThat(daytime.allows(LocalTime.of(2, 0), Duration.ofSeconds(29))).isFalse();
    assertThat(daytime.allows(LocalTime.of(2, 0), Duration.ofSeconds(30))).isTrue();
    assertThat(daytime.allows(LocalTime.of(5, 0), Duration.ofHours(1))).isFalse();
    assertThat(new MaintenanceWindow(null, null, 5).allows(LocalTime.NOON, Duration.ofSeconds(5)))
        .isTrue();
  }

  @Test
  void refuses_a_window_that_says_nothing_or_half() {
    assertThatThrownBy(() -> new MaintenanceWindow(null, null, null))
        .hasMessageContaining("needs start and end, idleSeconds, or both");
    assertThatThrownBy(() -> new MaintenanceWindow(LocalTime.of(1, 0), null, null))
        .hasMessageContaining("needs both start and end");
    assertThatThrownBy(() -> new MaintenanceWindow(null, null, 0))
        .hasMessageContaining("idleSeconds must be 1 or more");
  }

  @Test
  void reads_quantiles_from_summed_histograms() {
    List<Long> counts = new ArrayList<>(Collections.nCopies(LatencyBuckets.COUNT, 0L));
    counts.set(LatencyBuckets.index(700), 90L); // (500, 1000] µs
    counts.set(LatencyBuckets.index(20_000), 10L); // (10, 25] ms

    assertThat(LatencyBuckets.quantileMillis(counts, 0.5)).isBetween(0.5, 1.0);
    assertThat(LatencyBuckets.quantileMillis(counts, 0.95)).isBetween(10.0, 25.0);
    assertThat(LatencyBuckets.quantileMillis(List.of(), 0.5)).isNull();
    assertThat(LatencyBuckets.index(50)).isZero();
    assertThat(LatencyBuckets.index(Long.MAX_VALUE)).isEqualTo(LatencyBuckets.COUNT - 1);
  }

  @Test
  void reports_carry_health_counters_and_pending_targets_through_json() {
    var stats =
        new VersionStats(
            3,
            7L,
            Instant.parse("2026-12-01T10:00:00Z"),
            100,
            2,
            Collections.nCopies(LatencyBuckets.COUNT, 1L),
            Map.of("output[1]", 0.97));
    var pending =
        new PendingTarget(
            4,
            8,
            PendingTarget.Phase.WAITING_FOR_WINDOW,
            null,
            Instant.parse("2026-12-01T11:00:00Z"));
    var report =
        new ReportedState(
            "0.1.0",
            List.of(new ModelReport("pump", 3L, List.of(3L), null, null, null, stats, pending)),
            100,
            2,
            Map.of("site", "a"),
            "Europe/Berlin");

    assertThat(Json.read(Json.write(report), ReportedState.class)).isEqualTo(report);
    var desired =
        new DesiredModel(
            "pump",
            4,
            "d",
            1,
            8,
            false,
            new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null));
    assertThat(Json.read(Json.write(desired), DesiredModel.class)).isEqualTo(desired);
    var plan =
        new RolloutPlan(
            "5%",
            List.of("25%", "100%"),
            Duration.ofMinutes(10),
            Gate.parseList("error_rate<1%"),
            null,
            null,
            null,
            null);
    assertThat(Json.read(Json.write(plan), RolloutPlan.class)).isEqualTo(plan);
    assertThat(plan.onFail()).isEqualTo(RolloutPlan.OnFail.ROLLBACK);
  }

  @Test
  void the_old_deployment_request_turns_its_pairs_into_selector_text() {
    var request = new DeploymentRequest("pump", 2, Map.of("site", "a", "line", "3"), true);

    assertThat(request.selector()).isEqualTo("line=3,site=a");
    assertThat(request.priority()).isZero();
    assertThat(request.rollout()).isNull();
    assertThat(new DeploymentRequest("pump", 2, (Map<String, String>) null, false).selector())
        .isEmpty();
  }

  @Test
  void a_rollout_view_survives_json() {
    var reading =
        new DeploymentView.GateReading(
            Gate.parseList("error_rate<1%").getFirst(),
            0.2,
            false,
            null,
            3,
            400,
            Instant.parse("2026-12-01T11:00:00Z"));
    var counts = new DeploymentView.Counts(3, 0, 0, 0, 2, 1, 0, 0, 0);
    var view =
        new DeploymentView(
            7,
            "pump",
            3,
            "site=a",
            false,
            10,
            new RolloutPlan("1", List.of(), null, List.of(reading.gate()), null, 1, 1L, null),
            new MaintenanceWindow(LocalTime.of(22, 0), LocalTime.of(4, 0), 30),
            2,
            Instant.parse("2026-12-01T10:00:00Z"),
            RolloutPhase.ROLLED_BACK,
            "gate error_rate<1% failed",
            0,
            List.of(
                new DeploymentView.WaveView(
                    0,
                    "canary",
                    "1",
                    3,
                    DeploymentView.WavePhase.FAILED,
                    Instant.parse("2026-12-01T10:00:01Z"),
                    Instant.parse("2026-12-01T10:10:01Z"),
                    counts,
                    List.of(reading))),
            List.of(
                new DeploymentView.Transition(
                    Instant.parse("2026-12-01T10:00:01Z"),
                    RolloutPhase.PENDING,
                    RolloutPhase.CANARY,
                    0,
                    "started")),
            counts,
            List.of(new DeviceRollout("d1", "one", 0, RolloutState.FAILED, 2L, "bad shape")));

    assertThat(Json.read(Json.write(view), DeploymentView.class)).isEqualTo(view);
    assertThat(counts.of(RolloutState.ACTIVE)).isEqualTo(2);
    assertThat(RolloutPhase.ROLLED_BACK.terminal()).isTrue();
    assertThat(RolloutPhase.PAUSED.terminal()).isFalse();
  }

  @Test
  void api_paths_name_rollout_actions_and_explain() {
    assertThat(ApiPaths.rolloutAction(7, ApiPaths.PAUSE)).isEqualTo("/api/v1/deployments/7/pause");
    assertThat(ApiPaths.explain("d1")).isEqualTo("/api/v1/devices/d1/explain");
  }
}
