package dev.verge.cli.output;

import static dev.verge.cli.output.RolloutViews.ERROR_RATE;
import static dev.verge.cli.output.RolloutViews.P95;
import static dev.verge.cli.output.RolloutViews.counts;
import static dev.verge.cli.output.RolloutViews.device;
import static dev.verge.cli.output.RolloutViews.failed;
import static dev.verge.cli.output.RolloutViews.passed;
import static dev.verge.cli.output.RolloutViews.rollout;
import static dev.verge.cli.output.RolloutViews.wave;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutReportTest {
  static DeploymentView rolledBack() {
    return rollout(
        RolloutPhase.ROLLED_BACK,
        "gate error_rate<1% failed in canary: 4.2%",
        0,
        List.of(
            wave(
                0,
                "canary",
                "1",
                1,
                WavePhase.FAILED,
                counts(0, 1, 0),
                failed(ERROR_RATE, 0.042),
                passed(P95, 12.5)),
            wave(1, "wave 1", "50%", 1, WavePhase.WAITING, counts(0, 0, 1)),
            wave(2, "wave 2", "100%", 2, WavePhase.WAITING, counts(0, 0, 2))),
        List.of(
            device("pump-1", 0, RolloutState.ROLLED_BACK, "sent back to v2"),
            device("pump-2", 1, RolloutState.PENDING, null),
            device("pump-3", 2, RolloutState.PENDING, null),
            device("pump-4", 2, RolloutState.PENDING, null)));
  }

  @Test
  void show_prints_plan_waves_with_bars_and_gates_transitions_and_devices() {
    String text = RolloutReport.show(rolledBack());

    assertThat(text)
        .startsWith(
            "Rollout 7: pump v3 to site=plant-7,tier in (a,b), priority 10\n"
                + "State:     ROLLED_BACK (canary of 3): gate error_rate<1% failed in canary: 4.2%\n"
                + "Plan:      canary 1, waves 50%,100%, soak 10m, gates error_rate<1%,p95_latency_ms<20,"
                + " on fail rollback, min 2 device(s), min 100 request(s)\n"
                + "Window:    01:00-04:00 device-local time, once idle 30s\n"
                + "Downloads: at most 2 device(s) at once\n"
                + "Created:   2026-12-01T10:00:00Z\n"
                + "Devices:   4 targeted: 0 active, 3 in progress, 0 failed, 0 unreachable, 1 rolled"
                + " back, 0 superseded\n");
    assertThat(text)
        .containsPattern("WAVE\\s+SIZE\\s+DEVICES\\s+PROGRESS\\s+PHASE\\s+GATES")
        .containsPattern(
            "canary\\s+1\\s+1\\s+\\[x{20}] 0/1 active, 1 failed\\s+FAILED\\s+error_rate 4\\.2%"
                + " \\(<1%\\) FAILED over 2 device\\(s\\), 1200 request\\(s\\); p95_latency_ms"
                + " 12\\.5 \\(<20\\) passed over 2 device\\(s\\), 400 request\\(s\\)")
        .containsPattern("wave 1\\s+50%\\s+1\\s+\\[ {20}] 0/1 active, 1 pending\\s+WAITING\\s+-")
        .containsPattern("wave 2\\s+100%\\s+2\\s+\\[ {20}] 0/2 active, 2 pending\\s+WAITING\\s+-");
    assertThat(text)
        .containsPattern("AT\\s+FROM\\s+TO\\s+WAVE\\s+REASON")
        .containsPattern("2026-12-01T10:00:00Z\\s+PENDING\\s+CANARY\\s+canary\\s+started")
        .containsPattern(
            "2026-12-01T10:10:30Z\\s+SOAKING\\s+ROLLED_BACK\\s+canary\\s+gate error_rate<1% failed");
    assertThat(text)
        .containsPattern("DEVICE\\s+NAME\\s+WAVE\\s+STATE\\s+ACTIVE VERSION\\s+REASON")
        .containsPattern("dev-pump-1\\s+pump-1\\s+canary\\s+ROLLED_BACK\\s+2\\s+sent back to v2")
        .containsPattern("dev-pump-3\\s+pump-3\\s+wave 2\\s+PENDING\\s+2\\s+-");
  }

  @Test
  void a_soaking_wave_says_until_when() {
    DeploymentView soaking =
        rollout(
            RolloutPhase.SOAKING,
            "canary updated",
            0,
            List.of(wave(0, "canary", "1", 1, WavePhase.SOAKING, counts(1, 0, 0))),
            List.of(device("pump-1", 0, RolloutState.ACTIVE, null)));

    assertThat(RolloutReport.show(soaking))
        .contains("State:     SOAKING (canary of 1): canary updated\n")
        .containsPattern("\\[#{20}] 1/1 active\\s+SOAKING until 2026-12-01T10:10:00Z");
  }

  @Test
  void a_bar_fills_with_active_devices_then_failed_ones() {
    assertThat(RolloutReport.bar(counts(5, 0, 5), 10)).isEqualTo("[##########          ]");
    assertThat(RolloutReport.bar(counts(5, 5, 0), 10)).isEqualTo("[##########xxxxxxxxxx]");
    assertThat(RolloutReport.bar(counts(0, 0, 0), 0)).isEqualTo("[                    ]");
    // One failure among many devices still shows.
    assertThat(RolloutReport.bar(counts(50, 1, 49), 100)).isEqualTo("[##########x         ]");
  }

  @Test
  void progress_names_each_state_that_has_devices() {
    var c = new DeploymentView.Counts(10, 1, 2, 3, 1, 1, 0, 1, 1);

    assertThat(RolloutReport.progress(c, 10))
        .isEqualTo(
            "1/10 active, 1 pending, 2 downloading, 3 waiting for window, 1 failed, 1 unreachable,"
                + " 1 superseded");
  }

  @Test
  void a_gate_that_cannot_decide_says_why() {
    var reading =
        new GateReading(
            ERROR_RATE, null, null, "1 of 2 devices reported, gate needs 2", 1, 0, null);

    assertThat(RolloutReport.reading(reading))
        .isEqualTo("error_rate (<1%) undecided: 1 of 2 devices reported, gate needs 2");
    assertThat(
            RolloutReport.reading(
                new GateReading(
                    Gate.parseList("mean:output[1]<0.5").getFirst(),
                    0.9,
                    false,
                    null,
                    3,
                    30,
                    null)))
        .isEqualTo("mean:output[1] 0.9 (<0.5) FAILED over 3 device(s), 30 request(s)");
  }

  @Test
  void plan_and_window_read_as_they_are_typed() {
    assertThat(
            RolloutReport.plan(
                new RolloutPlan(
                    null,
                    List.of(),
                    Duration.ofSeconds(90),
                    List.of(),
                    null,
                    null,
                    null,
                    Duration.ofMinutes(15))))
        .isEqualTo("then the rest, soak 1m30s, report deadline 15m");
    assertThat(RolloutReport.window(new MaintenanceWindow(null, null, 3600)))
        .isEqualTo("once idle 1h");
    assertThat(
            RolloutReport.window(
                new MaintenanceWindow(LocalTime.of(22, 0), LocalTime.of(4, 0), null)))
        .isEqualTo("22:00-04:00 device-local time");
  }

  @Test
  void list_shows_state_current_wave_and_counts() {
    String text = RolloutReport.list(List.of(rolledBack()));

    assertThat(text)
        .containsPattern(
            "ID\\s+MODEL\\s+VERSION\\s+SELECTOR\\s+PRIORITY\\s+STATE\\s+WAVE\\s+ACTIVE\\s+IN"
                + " PROGRESS\\s+FAILED\\s+SUPERSEDED\\s+CREATED")
        .containsPattern(
            "7\\s+pump\\s+3\\s+site=plant-7,tier in \\(a,b\\)\\s+10\\s+ROLLED_BACK\\s+canary of 3"
                + "\\s+0/4\\s+3\\s+0\\s+0\\s+2026-12-01T10:00:00Z");
  }

  @Test
  void a_side_by_side_deployment_says_so_in_its_headline_and_the_list() {
    DeploymentView v = rollout(RolloutPhase.COMPLETED, "done", 0, List.of(), List.of());
    DeploymentView beside =
        new DeploymentView(
            v.id(),
            v.model(),
            v.version(),
            v.selector(),
            false,
            0,
            null,
            null,
            null,
            v.createdAt(),
            v.state(),
            v.reason(),
            v.currentWave(),
            v.waves(),
            v.transitions(),
            v.counts(),
            v.devices(),
            true);

    assertThat(RolloutReport.headline(beside))
        .isEqualTo("Rollout 7: pump v3 (side by side) to site=plant-7,tier in (a,b)");
    assertThat(RolloutReport.list(List.of(beside))).contains("3 (beside)");
  }
}
