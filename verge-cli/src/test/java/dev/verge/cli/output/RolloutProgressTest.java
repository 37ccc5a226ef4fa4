package dev.verge.cli.output;

import static dev.verge.cli.output.RolloutViews.counts;
import static dev.verge.cli.output.RolloutViews.device;
import static dev.verge.cli.output.RolloutViews.rollout;
import static dev.verge.cli.output.RolloutViews.wave;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutProgressTest {
  final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  String printed() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /** A canary of 1 device and one wave of 4, the wave {@code active} devices along. */
  static DeploymentView step(RolloutPhase state, int wave, int canaryActive, int waveActive) {
    WavePhase canaryPhase =
        wave == 0 ? (canaryActive == 1 ? WavePhase.SOAKING : WavePhase.UPDATING) : WavePhase.PASSED;
    WavePhase wavePhase =
        wave == 0
            ? WavePhase.WAITING
            : state == RolloutPhase.COMPLETED ? WavePhase.PASSED : WavePhase.UPDATING;
    return rollout(
        state,
        null,
        wave,
        List.of(
            wave(0, "canary", "1", 1, canaryPhase, counts(canaryActive, 0, 1 - canaryActive)),
            wave(1, "wave 1", "100%", 4, wavePhase, counts(waveActive, 0, 4 - waveActive))),
        List.of(device("pump-1", 0, RolloutState.ACTIVE, null)));
  }

  static final List<DeploymentView> STEPS =
      List.of(
          step(RolloutPhase.CANARY, 0, 0, 0),
          step(RolloutPhase.CANARY, 0, 0, 0),
          step(RolloutPhase.SOAKING, 0, 1, 0),
          step(RolloutPhase.WAVE, 1, 1, 0),
          step(RolloutPhase.WAVE, 1, 1, 1),
          step(RolloutPhase.WAVE, 1, 1, 2),
          step(RolloutPhase.WAVE, 1, 1, 3),
          step(RolloutPhase.COMPLETED, 1, 1, 4));

  @Test
  void off_a_terminal_prints_a_line_when_the_phase_wave_or_a_quarter_changes() {
    try (RolloutProgress progress = new RolloutProgress(out, false)) {
      STEPS.forEach(progress::show);
    }

    assertThat(printed().lines())
        .containsExactly(
            "rollout 7 canary (1) [                    ] 0/1 active, 1 pending: UPDATING",
            "rollout 7 canary (1) [####################] 1/1 active: SOAKING",
            "rollout 7 wave 1 (100%) [                    ] 0/4 active, 4 pending: UPDATING",
            "rollout 7 wave 1 (100%) [#####               ] 1/4 active, 3 pending: UPDATING",
            "rollout 7 wave 1 (100%) [##########          ] 2/4 active, 2 pending: UPDATING",
            "rollout 7 wave 1 (100%) [###############     ] 3/4 active, 1 pending: UPDATING",
            "rollout 7 wave 1 (100%) [####################] 4/4 active: PASSED, rollout COMPLETED");
    assertThat(printed()).doesNotContain("\r");
  }

  @Test
  void on_a_terminal_redraws_the_wave_in_place_and_ends_its_line_when_the_next_wave_starts() {
    try (RolloutProgress progress = new RolloutProgress(out, true)) {
      STEPS.forEach(progress::show);
    }

    String[] lines = printed().split("\n", -1);
    assertThat(lines).hasSize(3); // the canary's line, the wave's line, and nothing after
    assertThat(lines[0].stripTrailing())
        .startsWith("\rrollout 7 canary (1) [                    ] 0/1 active, 1 pending: UPDATING")
        .endsWith("\rrollout 7 canary (1) [####################] 1/1 active: PASSED");
    String[] waveDraws = lines[1].split("\r", -1);
    assertThat(waveDraws).hasSize(6);
    assertThat(waveDraws[5])
        .isEqualTo(
            "rollout 7 wave 1 (100%) [####################] 4/4 active: PASSED, rollout COMPLETED");
    assertThat(lines[2]).isEmpty();
  }

  @Test
  void on_a_terminal_a_shorter_line_blanks_what_the_longer_one_left() {
    try (RolloutProgress progress = new RolloutProgress(out, true)) {
      progress.show(step(RolloutPhase.CANARY, 0, 0, 0));
      progress.show(step(RolloutPhase.SOAKING, 0, 1, 0));
    }

    String[] redraws = printed().split("\r", -1);
    assertThat(redraws[2].stripTrailing()).endsWith("1/1 active: SOAKING");
    assertThat(redraws[2]).hasSize(redraws[1].length() + 1); // + the newline close() ends it with
  }

  @Test
  void a_deployment_without_waves_shows_one_bar_for_all_its_devices() {
    DeploymentView allAtOnce =
        rollout(
            RolloutPhase.COMPLETED,
            null,
            null,
            List.of(),
            List.of(
                device("pump-1", 0, RolloutState.ACTIVE, null),
                device("pump-2", 0, RolloutState.FAILED, "bad signature")));

    try (RolloutProgress progress = new RolloutProgress(out, false)) {
      progress.show(allAtOnce);
      progress.show(allAtOnce);
    }

    assertThat(printed())
        .isEqualTo("rollout 7 [##########xxxxxxxxxx] 1/2 active, 1 failed: COMPLETED\n");
  }
}
