package dev.verge.hub.rollout;

import static dev.verge.hub.rollout.RolloutFixture.MODEL;
import static dev.verge.hub.rollout.RolloutFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.RolloutAction;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.HubException;
import dev.verge.hub.device.Device;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollout engine on the hub's SQLite store; {@link PostgresRolloutEngineTest} on PostgreSQL.
 */
class RolloutEngineTest {
  @TempDir Path dir;
  RolloutFixture f;

  /** The fixture every test but the statement-counting one runs on. */
  RolloutFixture openFixture() {
    return new RolloutFixture(dir);
  }

  @BeforeEach
  void open() {
    f = openFixture();
    f.publish(1, 2, 3);
  }

  @AfterEach
  void close() {
    f.close();
  }

  private static List<RolloutPhase> phases(DeploymentView view) {
    return view.transitions().stream().map(DeploymentView.Transition::to).toList();
  }

  @Test
  void all_at_once_gives_every_device_the_version_and_completes_once_they_run_it() {
    List<String> ids = f.enroll(2, Map.of(), 1L);

    DeploymentView view = f.deploy(2, null);

    assertThat(view.state()).isEqualTo(RolloutPhase.WAVE);
    assertThat(view.waves()).singleElement().satisfies(w -> assertThat(w.name()).isEqualTo("all"));
    for (String id : ids) {
      assertThat(f.desired(id).version()).isEqualTo(2);
    }
    ids.forEach(id -> f.report(id, 2L));
    f.step();

    view = f.view(view.id());
    assertThat(view.state()).isEqualTo(RolloutPhase.COMPLETED);
    assertThat(view.counts().active()).isEqualTo(2);
    assertThat(phases(view))
        .containsExactly(RolloutPhase.WAVE, RolloutPhase.SOAKING, RolloutPhase.COMPLETED);
  }

  @Test
  void a_step_wakes_only_the_devices_it_rewrote_and_an_automatic_rollback_wakes_every_member() {
    List<String> ids = f.enroll(6, Map.of(), 1L);
    RolloutPlan plan =
        plan("1", List.of("100%"), Duration.ofMinutes(5), "error_rate<1%", null, 1, 10L, null);
    long id = f.deploy(2, plan).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.told.clear();
    f.report(canary, 2L); // The canary's row changes, and the phase: it soaks.
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.SOAKING);
    assertThat(f.told).containsOnly(canary);

    f.told.clear();
    f.reportStats(canary, 2, id, 100, 20, Map.of()); // The gate fails: the rollout rolls back.
    f.step();
    f.clock.advance(Duration.ofMinutes(5));
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.ROLLING_BACK);
    assertThat(f.told).containsAll(ids);
  }

  @Test
  void the_engine_rests_at_least_twice_as_long_as_its_last_iteration_took() {
    Duration second = Duration.ofSeconds(1);
    assertThat(RolloutEngine.gap(Duration.ofMillis(1), second)).isEqualTo(RolloutEngine.MIN_GAP);
    assertThat(RolloutEngine.gap(Duration.ofMillis(800), second))
        .isEqualTo(Duration.ofMillis(1600));
    assertThat(RolloutEngine.gap(Duration.ZERO, Duration.ofMillis(10)))
        .isEqualTo(Duration.ofMillis(10));
  }

  @Test
  void canary_then_waves_start_only_after_each_soak_and_complete() {
    List<String> ids = f.enroll(4, Map.of(), 1L);
    f.deploy(1, null);
    RolloutPlan plan =
        plan("1", List.of("50%", "100%"), Duration.ofMinutes(10), "", null, null, null, null);

    long id = f.deploy(2, plan).id();
    DeploymentView view = f.view(id);

    assertThat(view.state()).isEqualTo(RolloutPhase.CANARY);
    assertThat(view.waves())
        .extracting(DeploymentView.WaveView::name, DeploymentView.WaveView::devices)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("canary", 1),
            org.assertj.core.groups.Tuple.tuple("wave 1", 1),
            org.assertj.core.groups.Tuple.tuple("wave 2", 2));
    String canary =
        view.devices().stream().filter(d -> d.wave() == 0).findFirst().orElseThrow().deviceId();
    for (String d : ids) {
      assertThat(f.desired(d).version()).isEqualTo(d.equals(canary) ? 2 : 1);
    }

    f.report(canary, 2L);
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.SOAKING);
    f.clock.advance(Duration.ofMinutes(9));
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.SOAKING);

    f.clock.advance(Duration.ofMinutes(1));
    f.step();
    view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.WAVE);
    assertThat(view.currentWave()).isEqualTo(1);
    ids.forEach(d -> f.report(d, f.desired(d).version()));
    f.step();
    f.clock.advance(Duration.ofMinutes(10));
    f.step();
    ids.forEach(d -> f.report(d, f.desired(d).version()));
    f.step();
    f.clock.advance(Duration.ofMinutes(10));
    f.step();

    view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.COMPLETED);
    assertThat(view.counts().active()).isEqualTo(4);
    assertThat(phases(view))
        .containsExactly(
            RolloutPhase.CANARY,
            RolloutPhase.SOAKING,
            RolloutPhase.WAVE,
            RolloutPhase.SOAKING,
            RolloutPhase.WAVE,
            RolloutPhase.SOAKING,
            RolloutPhase.COMPLETED);
    assertThat(view.waves())
        .extracting(DeploymentView.WaveView::phase)
        .containsOnly(WavePhase.PASSED);
  }

  @Test
  void waves_are_the_same_devices_for_the_same_deployment_and_device_ids() {
    List<String> ids = List.of("a", "b", "c", "d", "e");
    RolloutPlan plan = plan("2", List.of(), null, "", null, null, null, null);

    var first = Layout.of(7, plan, ids, RolloutFixture.T0);
    var again = Layout.of(7, plan, ids.reversed(), RolloutFixture.T0);

    assertThat(again.members()).isEqualTo(first.members());
    assertThat(first.members().stream().filter(m -> m.wave() == 0)).hasSize(2);
    assertThat(Layout.size("5%", 40, "rollout.canary")).isEqualTo(2);
    assertThat(Layout.size("5%", 3, "rollout.canary")).isEqualTo(1);
  }

  @Test
  void a_failing_error_rate_gate_in_the_canary_rolls_back_and_no_other_device_gets_the_version() {
    List<String> ids = f.enroll(4, Map.of(), 1L);
    long base = f.deploy(1, null).id();
    RolloutPlan plan =
        plan("1", List.of(), Duration.ofMinutes(5), "error_rate<1%", null, 1, 10L, null);
    long id = f.deploy(2, plan).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.reportStats(canary, 2, id, 100, 20, Map.of());
    f.step();
    f.clock.advance(Duration.ofMinutes(5));
    f.step();

    DeploymentView view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLING_BACK);
    assertThat(view.reason())
        .contains("error_rate<1%")
        .contains("20.00%")
        .contains("canary")
        .contains("100 request(s)");
    assertThat(view.waves().getFirst().phase()).isEqualTo(WavePhase.FAILED);
    assertThat(view.waves().getFirst().gates().getFirst().passed()).isFalse();
    DesiredModel back = f.desired(canary);
    assertThat(back.version()).isEqualTo(1);
    assertThat(back.rollback()).isTrue();
    assertThat(back.bundleDigest()).isEqualTo(RolloutFixture.digest(1));
    for (String other : ids) {
      if (!other.equals(canary)) {
        assertThat(f.desired(other).deploymentId()).isEqualTo(base);
        assertThat(f.device(id, other).state()).isEqualTo(RolloutState.PENDING);
      }
    }

    f.report(canary, 1L);
    f.step();
    view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(view.reason()).contains("error_rate<1%");
    assertThat(f.state(id, canary)).isEqualTo(RolloutState.ROLLED_BACK);
    assertThat(view.transitions().getLast().from()).isEqualTo(RolloutPhase.ROLLING_BACK);
  }

  @Test
  void a_failed_gate_with_on_fail_pause_waits_for_an_operator_and_resume_starts_the_next_wave() {
    List<String> ids = f.enroll(2, Map.of(), 1L);
    RolloutPlan plan =
        plan("1", List.of(), null, "error_rate<1%", RolloutPlan.OnFail.PAUSE, null, 1L, null);
    long id = f.deploy(2, plan).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.reportStats(canary, 2, id, 10, 5, Map.of());
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(f.view(id).reason()).contains("paused for an operator");

    DeploymentView resumed = f.rollouts.act(id, "resume", new RolloutAction("looked fine to me"));

    assertThat(resumed.state()).isEqualTo(RolloutPhase.WAVE);
    assertThat(resumed.currentWave()).isEqualTo(1);
    assertThat(resumed.transitions().getLast().reason()).contains("looked fine to me");
    ids.forEach(d -> assertThat(f.desired(d).version()).isEqualTo(2));
  }

  @Test
  void a_gate_waits_for_enough_requests_and_says_so() {
    f.enroll(2, Map.of(), 1L);
    RolloutPlan plan = plan("1", List.of(), null, "error_rate<10%", null, null, 50L, null);
    long id = f.deploy(2, plan).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.reportStats(canary, 2, id, 10, 0, Map.of());
    f.step();
    DeploymentView waiting = f.view(id);
    assertThat(waiting.state()).isEqualTo(RolloutPhase.SOAKING);
    assertThat(waiting.reason()).contains("10 of 50 requests");
    assertThat(waiting.waves().getFirst().gates().getFirst().undecided()).contains("10 of 50");

    f.reportStats(canary, 2, id, 60, 1, Map.of());
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.WAVE);
  }

  @Test
  void a_gate_waits_for_min_devices_before_deciding() {
    f.enroll(4, Map.of(), 1L);
    RolloutPlan plan = plan("50%", List.of(), null, "install_success>=50%", null, 2, null, null);
    long id = f.deploy(2, plan).id();
    List<String> canary =
        f.view(id).devices().stream().filter(d -> d.wave() == 0).map(d -> d.deviceId()).toList();

    f.report(canary.get(0), 2L);
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.CANARY);

    f.report(canary.get(1), 2L);
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.WAVE);
  }

  @Test
  void a_device_that_never_reports_is_unreachable_and_counts_as_failed() {
    f.enroll(2, Map.of(), null);
    RolloutPlan plan =
        plan(
            "1", List.of(), null, "install_success>=100%", null, null, null, Duration.ofMinutes(1));
    long id = f.deploy(2, plan).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.clock.advance(Duration.ofSeconds(61));
    f.step();

    DeploymentView view = f.view(id);
    assertThat(f.device(id, canary).state()).isEqualTo(RolloutState.ROLLED_BACK);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(view.reason()).contains("install_success>=100%").contains("0.00%");
    assertThat(view.transitions())
        .extracting(DeploymentView.Transition::to)
        .contains(RolloutPhase.ROLLING_BACK);
    assertThat(f.desired(canary)).isNull();
  }

  @Test
  void an_unreachable_device_shows_unreachable_with_the_deadline() {
    f.enroll(1, Map.of(), null);
    long id =
        f.deploy(2, plan(null, List.of(), null, "", null, null, null, Duration.ofMinutes(1))).id();

    f.clock.advance(Duration.ofMinutes(2));
    f.step();

    assertThat(f.device(id, "d1").state()).isEqualTo(RolloutState.UNREACHABLE);
    assertThat(f.device(id, "d1").reason()).contains("never in contact").contains("PT1M");
  }

  @Test
  void a_device_that_failed_the_install_keeps_its_reason_after_the_rollback() {
    f.enroll(2, Map.of(), 1L);
    long id =
        f.deploy(2, plan("1", List.of(), null, "install_success>=100%", null, null, null, null))
            .id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();

    f.reportFailed(canary, 1L, 2, id, "signature check failed");
    f.step();

    DeploymentView view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(f.state(id, canary)).isEqualTo(RolloutState.FAILED);
    assertThat(f.device(id, canary).reason())
        .startsWith("signature check failed")
        .contains("nothing to roll back");
    assertThat(view.counts().failed()).isEqualTo(1);
  }

  @Test
  void a_rollback_does_not_wait_for_a_device_out_of_contact() {
    f.enroll(1, Map.of(), 1L);
    long id =
        f.deploy(2, plan(null, List.of(), null, "", null, null, null, Duration.ofMinutes(1))).id();
    f.report("d1", 2L);
    f.step();

    f.rollouts.act(id, "rollback", null);
    f.clock.advance(Duration.ofMinutes(2));
    f.step();

    assertThat(f.state(id, "d1")).isEqualTo(RolloutState.UNREACHABLE);
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.ROLLED_BACK);
  }

  @Test
  void an_undecided_gate_does_not_rewrite_the_rollout_every_tick() {
    f.enroll(2, Map.of(), 1L);
    long id = f.deploy(2, plan("1", List.of(), null, "error_rate<10%", null, null, 50L, null)).id();
    String canary =
        f.view(id).devices().stream()
            .filter(d -> d.wave() == 0)
            .findFirst()
            .orElseThrow()
            .deviceId();
    f.reportStats(canary, 2, id, 10, 0, Map.of());
    f.step();
    long revision = f.store.rollout(id).orElseThrow().revision();

    f.clock.advance(Duration.ofSeconds(5));
    f.rollouts.engine().runOnce();

    assertThat(f.store.rollout(id).orElseThrow().revision()).isEqualTo(revision);
  }

  @Test
  void latency_and_output_mean_gates_read_the_summed_counters() {
    f.enroll(4, Map.of(), 1L);
    RolloutPlan plan =
        plan("2", List.of(), null, "p95_latency_ms<20,mean:output[1]<0.5", null, 2, 1L, null);
    long id = f.deploy(2, plan).id();
    List<String> canary =
        f.view(id).devices().stream().filter(d -> d.wave() == 0).map(d -> d.deviceId()).toList();

    f.reportStats(canary.get(0), 2, id, 100, 0, Map.of("output[1]", 0.1));
    f.reportStats(canary.get(1), 2, id, 300, 0, Map.of("output[1]", 0.9));
    f.step();

    DeploymentView view = f.view(id);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLING_BACK);
    List<DeploymentView.GateReading> gates = view.waves().getFirst().gates();
    assertThat(gates.get(0).passed()).isTrue();
    assertThat(gates.get(0).observed()).isBetween(2.5, 5.0);
    assertThat(gates.get(1).passed()).isFalse();
    assertThat(gates.get(1).observed()).isCloseTo(0.7, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(view.reason()).contains("mean:output[1]<0.5").contains("0.700");
  }

  @Test
  void pause_resume_and_abort_by_hand_and_refuse_what_does_not_apply() {
    f.enroll(3, Map.of(), 1L);
    f.deploy(1, null);
    long id =
        f.deploy(2, plan("1", List.of(), Duration.ofHours(1), "", null, null, null, null)).id();

    assertThat(f.rollouts.act(id, "pause", null).state()).isEqualTo(RolloutPhase.PAUSED);
    assertThatThrownBy(() -> f.rollouts.act(id, "pause", null))
        .isInstanceOf(HubException.RolloutConflict.class)
        .hasMessageContaining("PAUSED");
    assertThat(f.rollouts.act(id, "resume", null).state()).isEqualTo(RolloutPhase.CANARY);
    DeploymentView aborted = f.rollouts.act(id, "abort", new RolloutAction("wrong model"));

    assertThat(aborted.state()).isEqualTo(RolloutPhase.ABORTED);
    assertThat(aborted.reason()).isEqualTo("wrong model");
    assertThatThrownBy(() -> f.rollouts.act(id, "resume", null))
        .isInstanceOf(HubException.RolloutConflict.class)
        .hasMessageContaining("ABORTED");
    assertThatThrownBy(() -> f.rollouts.act(id, "explode", null))
        .isInstanceOf(HubException.InvalidInput.class)
        .hasMessageContaining("explode");
    String canary =
        aborted.devices().stream().filter(d -> d.wave() == 0).findFirst().orElseThrow().deviceId();
    assertThat(f.desired(canary).version()).isEqualTo(2);
    f.clock.advance(Duration.ofHours(2));
    f.step();
    assertThat(f.view(id).devices().stream().filter(d -> d.wave() == 1))
        .allSatisfy(d -> assertThat(f.desired(d.deviceId()).version()).isEqualTo(1));
  }

  @Test
  void a_paused_rollout_starts_no_wave_until_resumed() {
    List<String> ids = f.enroll(2, Map.of(), 1L);
    f.deploy(1, null);
    long id = f.deploy(2, plan("1", List.of(), null, "", null, null, null, null)).id();
    f.rollouts.act(id, "pause", null);

    ids.forEach(d -> f.report(d, f.desired(d).version()));
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.PAUSED);

    f.rollouts.act(id, "resume", null);
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.WAVE);
  }

  @Test
  void a_manual_rollback_of_a_completed_rollout_sends_devices_back_to_what_they_ran() {
    List<String> ids = f.enroll(2, Map.of(), 1L);
    long id = f.deploy(2, null).id();
    ids.forEach(d -> f.report(d, 2L));
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.COMPLETED);

    DeploymentView rolling =
        f.rollouts.act(id, "rollback", new RolloutAction("customer complaint"));

    assertThat(rolling.state()).isEqualTo(RolloutPhase.ROLLING_BACK);
    ids.forEach(
        d -> {
          assertThat(f.desired(d).version()).isEqualTo(1);
          assertThat(f.desired(d).rollback()).isTrue();
        });
    ids.forEach(d -> f.report(d, 1L));
    f.step();
    assertThat(f.view(id).state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(f.view(id).counts().rolledBack()).isEqualTo(2);
    assertThatThrownBy(() -> f.rollouts.act(id, "rollback", null))
        .isInstanceOf(HubException.RolloutConflict.class);
  }

  @Test
  void the_highest_priority_wins_over_a_newer_deployment_and_explain_names_both() {
    f.enroll(1, Map.of("site", "plant-7"), 1L);
    long site =
        f.rollouts
            .create(new DeploymentRequest(MODEL, 3, "site=plant-7", false, 10, null, null, null))
            .id();
    f.clock.advance(Duration.ofSeconds(1));
    long fleet = f.deploy(2, null).id();
    f.step();

    assertThat(f.desired("d1").deploymentId()).isEqualTo(site);
    assertThat(f.state(fleet, "d1")).isEqualTo(RolloutState.SUPERSEDED);
    assertThat(f.device(fleet, "d1").reason()).contains("deployment " + site);
    DeviceExplanation explained = f.rollouts.explain("d1");
    assertThat(explained.models())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.model()).isEqualTo(MODEL);
              assertThat(m.winner().deploymentId()).isEqualTo(site);
              assertThat(m.winner().priority()).isEqualTo(10);
              assertThat(m.overridden())
                  .extracting(DeviceExplanation.Candidate::deploymentId)
                  .containsExactly(fleet);
            });
  }

  @Test
  void on_equal_priority_the_newest_deployment_wins() {
    f.enroll(1, Map.of(), 1L);
    long older = f.deploy(3, null).id();
    f.clock.advance(Duration.ofSeconds(1));
    long newer = f.deploy(2, null).id();
    f.step();

    assertThat(f.desired("d1").deploymentId()).isEqualTo(newer);
    assertThat(f.state(older, "d1")).isEqualTo(RolloutState.SUPERSEDED);
  }

  @Test
  void a_maintenance_window_reaches_the_desired_model_but_not_a_rollback() {
    f.enroll(1, Map.of(), 1L);
    long id =
        f.rollouts
            .create(
                new DeploymentRequest(MODEL, 2, "", false, 0, null, RolloutFixture.nightly(), null))
            .id();

    assertThat(f.desired("d1").window()).isEqualTo(RolloutFixture.nightly());
    f.reportPending(
        "d1",
        1L,
        new PendingTarget(
            2,
            id,
            PendingTarget.Phase.WAITING_FOR_WINDOW,
            "window 01:00-04:00 UTC",
            f.clock.instant()));
    f.step();
    assertThat(f.state(id, "d1")).isEqualTo(RolloutState.WAITING_FOR_WINDOW);
    assertThat(f.device(id, "d1").reason()).contains("01:00-04:00");

    f.rollouts.act(id, "rollback", null);
    assertThat(f.desired("d1").window()).isNull();
  }

  @Test
  void at_most_n_devices_are_given_the_version_while_they_download() {
    f.enroll(3, Map.of(), 1L);
    f.deploy(1, null);
    long id = f.rollouts.create(new DeploymentRequest(MODEL, 2, "", false, 0, null, null, 1)).id();

    DeploymentView view = f.view(id);
    List<String> given =
        view.devices().stream()
            .filter(d -> f.desired(d.deviceId()).version() == 2)
            .map(d -> d.deviceId())
            .toList();
    assertThat(given).hasSize(1);
    assertThat(view.devices().stream().filter(d -> !given.contains(d.deviceId())))
        .allSatisfy(d -> assertThat(d.reason()).isEqualTo("waiting for a download slot"));

    f.reportPending(
        given.getFirst(),
        1L,
        new PendingTarget(2, id, PendingTarget.Phase.DOWNLOADING, null, f.clock.instant()));
    f.step();
    assertThat(f.state(id, given.getFirst())).isEqualTo(RolloutState.DOWNLOADING);
    assertThat(f.view(id).devices().stream().filter(d -> f.desired(d.deviceId()).version() == 2))
        .hasSize(1);

    f.report(given.getFirst(), 2L);
    f.step();
    assertThat(f.view(id).devices().stream().filter(d -> f.desired(d.deviceId()).version() == 2))
        .hasSize(2);
  }

  @Test
  void a_failure_belongs_to_the_deployment_that_caused_it_and_a_retry_is_not_a_failure() {
    f.enroll(1, Map.of(), 1L);
    long id = f.deploy(2, null).id();

    f.reportFailed("d1", 1L, 2, id + 100, "anti-rollback check failed");
    f.step();
    assertThat(f.state(id, "d1")).isEqualTo(RolloutState.PENDING);

    f.reportPending(
        "d1",
        1L,
        new PendingTarget(
            2, id, PendingTarget.Phase.RETRYING, "hub unreachable", f.clock.instant()));
    f.step();
    assertThat(f.state(id, "d1")).isEqualTo(RolloutState.DOWNLOADING);
    assertThat(f.device(id, "d1").reason()).contains("hub unreachable");

    f.reportFailed("d1", 1L, 2, id, "input shape mismatch");
    f.step();
    assertThat(f.state(id, "d1")).isEqualTo(RolloutState.FAILED);
    assertThat(f.device(id, "d1").reason()).isEqualTo("input shape mismatch");
  }

  @Test
  void a_failed_deployment_does_not_block_a_newer_one_of_the_same_model() {
    f.enroll(1, Map.of(), 1L);
    long bad = f.deploy(2, null).id();
    f.reportFailed("d1", 1L, 2, bad, "cannot load");
    f.step();

    long next = f.deploy(3, null).id();

    assertThat(f.desired("d1").deploymentId()).isEqualTo(next);
    f.report("d1", 3L);
    f.step();
    assertThat(f.state(next, "d1")).isEqualTo(RolloutState.ACTIVE);
    assertThat(f.view(next).state()).isEqualTo(RolloutPhase.COMPLETED);
  }

  @Test
  void a_device_that_matches_later_joins_the_last_wave() {
    f.enroll(2, Map.of("site", "a"), 1L);
    long id =
        f.rollouts
            .create(new DeploymentRequest(MODEL, 2, "site=a", false, 0, null, null, null))
            .id();

    dev.verge.hub.store.StoreFixtures.enroll(f.devices, "late", Map.of("site", "a"));
    f.rollouts.deviceChanged("late");

    assertThat(f.device(id, "late").wave()).isEqualTo(0);
    assertThat(f.desired("late").version()).isEqualTo(2);
    assertThat(f.view(id).counts().targeted()).isEqualTo(3);
  }

  /**
   * Regression: every report read every rollout ever made (COMPLETED ones included) to see whether
   * the device should join one, so a report cost more with each deployment.
   */
  @Test
  void a_report_with_unchanged_labels_does_not_read_the_rollouts_to_join(@TempDir Path other) {
    List<String> sql = new CopyOnWriteArrayList<>();
    try (RolloutFixture counted =
        new RolloutFixture(
            other,
            new SqlLogger() {
              @Override
              public void logBeforeExecution(StatementContext c) {
                sql.add(c.getRenderedSql());
              }
            })) {
      counted.publish(1, 2);
      counted.enroll(1, Map.of("site", "a"), 1L);
      counted.deploy(1, null);
      counted.deploy(2, null);
      Predicate<String> joinScan = q -> q.contains("NOT IN ('ROLLING_BACK'");

      sql.clear();
      counted.rollouts.deviceChanged("d1");
      assertThat(sql).noneMatch(joinScan);

      dev.verge.hub.store.StoreFixtures.enroll(counted.devices, "late", Map.of("site", "a"));
      counted.rollouts.deviceChanged("late");
      assertThat(sql).anyMatch(joinScan);
      assertThat(counted.desired("late").version()).isEqualTo(2);
    }
  }

  @Test
  void a_device_whose_labels_stop_matching_no_longer_gets_the_version() {
    f.enroll(1, Map.of("site", "a"), 1L);
    long id =
        f.rollouts
            .create(new DeploymentRequest(MODEL, 2, "site=a", false, 0, null, null, null))
            .id();
    assertThat(f.desired("d1")).isNotNull();

    f.devices.saveReported(
        "d1",
        new dev.verge.core.api.ReportedState("test", List.of(), 0, 0, Map.of("site", "b")),
        f.clock.instant());
    f.rollouts.deviceChanged("d1");
    f.step();

    assertThat(f.desired("d1")).isNull();
    assertThat(f.device(id, "d1").reason()).contains("no longer match");
  }

  @Test
  void the_engine_loop_survives_an_error_in_one_iteration_and_counts_it() throws Exception {
    AtomicBoolean fail = new AtomicBoolean(true);
    Fleet real = Fleet.of(f.devices, f.models);
    Fleet flaky =
        new Fleet() {
          @Override
          public List<Device> devices() {
            if (fail.getAndSet(false)) {
              throw new OutOfMemoryError("simulated");
            }
            return real.devices();
          }

          @Override
          public Optional<Device> device(String id) {
            return real.device(id);
          }

          @Override
          public Optional<Bundle> bundle(String model, long version) {
            return real.bundle(model, version);
          }
        };
    f.enroll(1, Map.of(), 1L);
    long id = f.deploy(2, null).id();
    f.report("d1", 2L);
    try (Rollouts other = new Rollouts(f.store, flaky, f.clock, RolloutFixture.config("hub-a"))) {
      other.engine().start();
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (f.view(id).state() != RolloutPhase.COMPLETED && System.nanoTime() < deadline) {
        other.engine().nudge();
        Thread.sleep(10);
      }
      assertThat(other.engine().failures()).isEqualTo(1);
      assertThat(f.view(id).state()).isEqualTo(RolloutPhase.COMPLETED);
    }
  }

  @Test
  void a_second_hub_does_not_step_a_rollout_while_the_first_holds_its_lease() {
    f.enroll(1, Map.of(), 1L);
    long id = f.deploy(2, null).id(); // hub-a stepped it and holds the lease.
    f.report("d1", 2L);
    try (Rollouts b =
        new Rollouts(
            f.store, Fleet.of(f.devices, f.models), f.clock, RolloutFixture.config("hub-b"))) {
      assertThat(b.engine().step(id)).isFalse();
      assertThat(f.view(id).state()).isEqualTo(RolloutPhase.WAVE);

      f.clock.advance(Duration.ofSeconds(31));
      assertThat(b.engine().step(id)).isTrue();
      assertThat(f.view(id).state()).isEqualTo(RolloutPhase.COMPLETED);
      assertThat(f.rollouts.engine().step(id)).isFalse();
    }
  }

  @Test
  void rejects_bad_plans_naming_the_field() {
    assertThatThrownBy(() -> f.deploy(2, plan("abc", List.of(), null, "", null, null, null, null)))
        .isInstanceOf(HubException.InvalidInput.class)
        .hasMessageContaining("rollout.canary");
    assertThatThrownBy(
            () -> f.deploy(2, plan(null, List.of("50%", "0"), null, "", null, null, null, null)))
        .hasMessageContaining("rollout.waves[1]");
    assertThatThrownBy(
            () ->
                f.deploy(
                    2, plan(null, List.of(), Duration.ofMinutes(-1), "", null, null, null, null)))
        .hasMessageContaining("rollout.soak");
    assertThatThrownBy(() -> f.deploy(2, plan(null, List.of(), null, "", null, 0, null, null)))
        .hasMessageContaining("rollout.minDevices");
    assertThatThrownBy(
            () ->
                f.rollouts.create(
                    new DeploymentRequest(MODEL, 2, "site in (a", false, 0, null, null, null)))
        .isInstanceOf(HubException.InvalidInput.class)
        .hasMessageContaining("selector");
    assertThatThrownBy(
            () -> f.rollouts.create(new DeploymentRequest(MODEL, 2, "", false, 0, null, null, 0)))
        .hasMessageContaining("maxConcurrentDownloads");
    assertThat(f.rollouts.list()).isEmpty();
  }
}
