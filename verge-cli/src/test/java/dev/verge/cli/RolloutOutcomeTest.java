package dev.verge.cli;

import static dev.verge.cli.output.RolloutViews.ERROR_RATE;
import static dev.verge.cli.output.RolloutViews.P95;
import static dev.verge.cli.output.RolloutViews.counts;
import static dev.verge.cli.output.RolloutViews.device;
import static dev.verge.cli.output.RolloutViews.failed;
import static dev.verge.cli.output.RolloutViews.passed;
import static dev.verge.cli.output.RolloutViews.rollout;
import static dev.verge.cli.output.RolloutViews.wave;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code verge deploy --wait} concludes from where a rollout ended. */
class RolloutOutcomeTest {
  static DeploymentView ended(
      RolloutPhase state, String reason, dev.verge.core.api.DeviceRollout... devices) {
    return rollout(
        state,
        reason,
        0,
        List.of(
            wave(
                0,
                "canary",
                "1",
                1,
                state == RolloutPhase.COMPLETED ? WavePhase.PASSED : WavePhase.FAILED,
                counts(1, 0, 0),
                state == RolloutPhase.COMPLETED
                    ? passed(ERROR_RATE, 0.001)
                    : failed(ERROR_RATE, 0.042),
                passed(P95, 12))),
        List.of(devices));
  }

  @Test
  void a_completed_rollout_with_every_device_active_succeeds() {
    DeploymentView view =
        rollout(
            RolloutPhase.COMPLETED,
            "every wave passed",
            0,
            List.of(wave(0, "canary", "1", 1, WavePhase.PASSED, counts(1, 0, 0))),
            List.of(
                device("pump-1", 0, RolloutState.ACTIVE, null),
                device("pump-2", 0, RolloutState.SUPERSEDED, "deployment 9 wins")));

    assertThat(RolloutOutcome.ended(view)).isTrue();
    assertThatCode(() -> RolloutOutcome.requireSuccess(view)).doesNotThrowAnyException();
  }

  @Test
  void a_completed_rollout_with_devices_still_on_their_way_has_not_ended() {
    DeploymentView view =
        rollout(
            RolloutPhase.COMPLETED,
            null,
            null,
            List.of(),
            List.of(device("pump-1", 0, RolloutState.WAITING_FOR_WINDOW, "window 01:00-04:00")));

    assertThat(RolloutOutcome.ended(view)).isFalse();
  }

  @Test
  void live_phases_have_not_ended_and_paused_has() {
    for (RolloutPhase live :
        List.of(
            RolloutPhase.PENDING,
            RolloutPhase.CANARY,
            RolloutPhase.WAVE,
            RolloutPhase.SOAKING,
            RolloutPhase.ROLLING_BACK)) {
      assertThat(RolloutOutcome.ended(rollout(live, null, 0, List.of(), List.of())))
          .as(live.name())
          .isFalse();
    }
    assertThat(
            RolloutOutcome.ended(rollout(RolloutPhase.PAUSED, "by hand", 0, List.of(), List.of())))
        .isTrue();
  }

  @Test
  void a_completed_rollout_with_failed_or_unreachable_devices_names_them_and_why() {
    DeploymentView view =
        rollout(
            RolloutPhase.COMPLETED,
            null,
            null,
            List.of(),
            List.of(
                device("pump-1", 0, RolloutState.ACTIVE, null),
                device("pump-2", 0, RolloutState.FAILED, "signature check failed"),
                device("pump-3", 0, RolloutState.UNREACHABLE, "no report for 15m"),
                device("pump-4", 0, RolloutState.FAILED, null)));

    assertThatThrownBy(() -> RolloutOutcome.requireSuccess(view))
        .isInstanceOf(CommandFailedException.class)
        .hasMessage(
            "rollout 7 failed on 3 of 4 device(s):\n"
                + "  pump-2 (dev-pump-2): signature check failed\n"
                + "  pump-3 (dev-pump-3): UNREACHABLE, no report for 15m\n"
                + "  pump-4 (dev-pump-4): no reason reported");
  }

  @Test
  void a_rolled_back_rollout_names_the_gate_and_its_numbers() {
    DeploymentView view =
        ended(
            RolloutPhase.ROLLED_BACK,
            "gate error_rate<1% failed in canary",
            device("pump-1", 0, RolloutState.ROLLED_BACK, "sent back to v2"));

    assertThatThrownBy(() -> RolloutOutcome.requireSuccess(view))
        .isInstanceOf(CommandFailedException.class)
        .hasMessage(
            "rollout 7 rolled back: gate error_rate<1% failed in canary\n"
                + "  canary: error_rate 4.2% (<1%) FAILED over 2 device(s), 1200 request(s)");
  }

  @Test
  void a_rolled_back_rollout_also_names_the_devices_that_failed_and_why() {
    DeploymentView view =
        ended(
            RolloutPhase.ROLLED_BACK,
            "gate install_success>=99% failed on canary",
            device("pump-1", 0, RolloutState.FAILED, "signature check failed"),
            device("pump-2", 0, RolloutState.ROLLED_BACK, "sent back to v2"));

    assertThatThrownBy(() -> RolloutOutcome.requireSuccess(view))
        .hasMessage(
            "rollout 7 rolled back: gate install_success>=99% failed on canary\n"
                + "  canary: error_rate 4.2% (<1%) FAILED over 2 device(s), 1200 request(s)\n"
                + "rollout 7 failed on 1 of 2 device(s):\n"
                + "  pump-1 (dev-pump-1): signature check failed");
  }

  @Test
  void an_aborted_rollout_says_so_and_how_far_it_got() {
    DeploymentView view =
        ended(
            RolloutPhase.ABORTED,
            "aborted by an operator: line 3 is down",
            device("pump-1", 0, RolloutState.ACTIVE, null),
            device("pump-2", 1, RolloutState.PENDING, null));

    assertThatThrownBy(() -> RolloutOutcome.requireSuccess(view))
        .hasMessage(
            "rollout 7 was aborted: aborted by an operator: line 3 is down; 1 of 2 device(s) run v3");
  }

  @Test
  void a_paused_rollout_says_why_and_how_to_go_on() {
    DeploymentView view =
        ended(
            RolloutPhase.PAUSED,
            "gate error_rate<1% failed in canary",
            device("pump-1", 0, RolloutState.FAILED, "model failed to load"));

    assertThatThrownBy(() -> RolloutOutcome.requireSuccess(view))
        .hasMessage(
            "rollout 7 is paused: gate error_rate<1% failed in canary\n"
                + "  canary: error_rate 4.2% (<1%) FAILED over 2 device(s), 1200 request(s)\n"
                + "  resume it with 'verge rollout resume 7', or roll it back with 'verge rollout"
                + " rollback 7'\n"
                + "rollout 7 failed on 1 of 1 device(s):\n"
                + "  pump-1 (dev-pump-1): model failed to load");
  }

  @Test
  void a_rollout_that_outlasts_wait_is_described_with_its_phase_and_devices() {
    DeploymentView view =
        rollout(
            RolloutPhase.SOAKING,
            "canary updated",
            0,
            List.of(wave(0, "canary", "1", 1, WavePhase.SOAKING, counts(1, 0, 0))),
            List.of(
                device("pump-1", 0, RolloutState.ACTIVE, null),
                device("pump-2", 1, RolloutState.PENDING, null)));

    assertThat(RolloutOutcome.stillGoing(view, java.time.Duration.ofMinutes(5)))
        .isEqualTo(
            "rollout 7 is not done after 5m: SOAKING (canary of 1): canary updated; devices: 1/2"
                + " active, 1 pending");
  }

  @Test
  void no_matching_device_is_named_with_the_selector() {
    DeploymentView view = rollout(RolloutPhase.COMPLETED, null, null, List.of(), List.of());

    assertThat(RolloutOutcome.noDeviceMatches(view))
        .isEqualTo(
            "no enrolled device matches the selector site=plant-7,tier in (a,b) (see 'verge"
                + " devices'); devices that match it later get deployment 7");
  }
}
