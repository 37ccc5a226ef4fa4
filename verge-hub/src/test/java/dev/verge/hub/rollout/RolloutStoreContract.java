package dev.verge.hub.rollout;

import static dev.verge.hub.store.StoreFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentView.GateReading;
import dev.verge.core.api.DeploymentView.WavePhase;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.device.DeviceStore;
import dev.verge.hub.model.ModelStore;
import dev.verge.hub.store.StoreFixtures;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link RolloutStore} must do; one subclass per database. */
abstract class RolloutStoreContract {
  @TempDir Path dir;
  RolloutStore store;
  DeviceStore devices;
  private AutoCloseable closer;

  /** A fresh, migrated database with the device store beside the rollout store. */
  record Stores(
      RolloutStore rollouts, DeviceStore devices, ModelStore models, AutoCloseable closer) {}

  abstract Stores open(Path dir);

  @BeforeEach
  void setUp() {
    Stores stores = open(dir);
    store = stores.rollouts();
    devices = stores.devices();
    closer = stores.closer();
    stores.models().addModelVersion(StoreFixtures.version("pump", 2, StoreFixtures.digest('b')));
    StoreFixtures.enroll(devices, "d1", Map.of());
    StoreFixtures.enroll(devices, "d2", Map.of());
  }

  @AfterEach
  void tearDown() throws Exception {
    closer.close();
  }

  static final RolloutPlan PLAN =
      new RolloutPlan(
          "1",
          List.of("100%"),
          Duration.ofMinutes(5),
          Gate.parseList("error_rate<1%"),
          RolloutPlan.OnFail.PAUSE,
          2,
          10L,
          Duration.ofMinutes(3));
  static final MaintenanceWindow WINDOW =
      new MaintenanceWindow(LocalTime.of(22, 0), LocalTime.of(4, 0), 30);

  Rollout add(String selector) {
    NewRollout n =
        new NewRollout(
            "pump", 2, StoreFixtures.digest('b'), 99, selector, true, 5, PLAN, WINDOW, 3);
    return store.add(
        n,
        T0,
        id ->
            new RolloutStore.Layout(
                List.of(
                    new Wave(0, "canary", "1", WavePhase.WAITING, null, null, List.of()),
                    new Wave(1, "wave 1", "100%", WavePhase.WAITING, null, null, List.of())),
                List.of(
                    new Member(
                        "d1", 0, null, null, RolloutState.PENDING, "wave not started", null, T0),
                    new Member(
                        "d2", 1, null, null, RolloutState.PENDING, "wave not started", null, T0))));
  }

  @Test
  void a_new_rollout_keeps_its_plan_window_waves_and_members() {
    Rollout r = add("site=a");

    assertThat(r.phase()).isEqualTo(RolloutPhase.PENDING);
    assertThat(r.plan()).isEqualTo(PLAN);
    assertThat(r.window()).isEqualTo(WINDOW);
    assertThat(r.maxConcurrentDownloads()).isEqualTo(3);
    assertThat(r.priority()).isEqualTo(5);
    assertThat(r.selector()).isEqualTo("site=a");
    assertThat(r.bundleDigest()).isEqualTo(StoreFixtures.digest('b'));
    assertThat(store.rollout(r.id())).contains(r);
    assertThat(store.waves(r.id())).extracting(Wave::name).containsExactly("canary", "wave 1");
    assertThat(store.members(r.id())).extracting(Member::deviceId).containsExactly("d1", "d2");
    assertThat(store.live()).containsExactly(r.id());
    assertThat(store.assignments("d1")).isEmpty();
    assertThat(store.memberships("d1")).containsExactly(r.id());
    assertThat(store.memberships(List.of("d1", "d2", "nobody"))).containsExactly(r.id());
    assertThat(store.memberships(List.of())).isEmpty();
  }

  @Test
  void a_change_is_written_only_at_the_revision_it_was_read() {
    Rollout r = add("");
    GateReading reading =
        new GateReading(PLAN.gates().getFirst(), 0.5, false, null, 1, 20, T0.plusSeconds(5));
    Rollout after = r.with(RolloutPhase.CANARY, null, 0, "started");
    Wave wave =
        new Wave(
            0,
            "canary",
            "1",
            WavePhase.UPDATING,
            T0.plusSeconds(1),
            T0.plusSeconds(2),
            List.of(reading));
    Member released =
        new Member(
            "d1", 0, T0.plusSeconds(1), 1L, RolloutState.ACTIVE, null, 2L, T0.plusSeconds(3));
    Transition t =
        new Transition(T0.plusSeconds(1), RolloutPhase.PENDING, RolloutPhase.CANARY, 0, "started");

    assertThat(
            store.apply(
                new RolloutStore.Change(r, after, List.of(wave), List.of(released), List.of(t))))
        .isTrue();
    assertThat(
            store.apply(
                new RolloutStore.Change(
                    r,
                    r.with(RolloutPhase.ABORTED, null, null, "late"),
                    List.of(),
                    List.of(),
                    List.of())))
        .isFalse();

    Rollout stored = store.rollout(r.id()).orElseThrow();
    assertThat(stored.phase()).isEqualTo(RolloutPhase.CANARY);
    assertThat(stored.revision()).isEqualTo(r.revision() + 1);
    assertThat(store.waves(r.id()).getFirst()).isEqualTo(wave);
    assertThat(store.members(r.id()).getFirst()).isEqualTo(released);
    assertThat(store.transitions(r.id())).containsExactly(t);
    assertThat(store.assignments("d1"))
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.rollout()).isEqualTo(stored);
              assertThat(a.member()).isEqualTo(released);
            });
    assertThat(store.assignmentsOfModel("pump", r.id() + 1000)).hasSize(1);
    assertThat(store.assignmentsOfModel("pump", r.id())).as("but its own").isEmpty();
    assertThat(store.countByPhase())
        .containsEntry(RolloutPhase.CANARY, 1)
        .containsEntry(RolloutPhase.PENDING, 0);
    assertThat(store.countByDeviceState())
        .containsEntry(RolloutState.ACTIVE, 1)
        .containsEntry(RolloutState.PENDING, 1);
  }

  @Test
  void a_lease_is_held_by_one_owner_until_it_expires() {
    Rollout r = add("");

    assertThat(store.lease(r.id(), "a", T0, T0.plusSeconds(30))).isTrue();
    assertThat(store.lease(r.id(), "b", T0.plusSeconds(29), T0.plusSeconds(59))).isFalse();
    assertThat(store.lease(r.id(), "a", T0.plusSeconds(29), T0.plusSeconds(59))).isTrue();
    assertThat(store.lease(r.id(), "b", T0.plusSeconds(59), T0.plusSeconds(89))).isTrue();
    assertThat(store.lease(r.id(), "a", T0.plusSeconds(60), T0.plusSeconds(90))).isFalse();
  }

  @Test
  void a_device_joins_the_last_wave_once() {
    Rollout r = add("");
    StoreFixtures.enroll(devices, "d3", Map.of());

    assertThat(store.join(r.id(), "d3", T0.plusSeconds(1))).isTrue();
    assertThat(store.join(r.id(), "d3", T0.plusSeconds(2))).isFalse();
    assertThat(store.join(r.id(), "d1", T0.plusSeconds(2))).isFalse();

    assertThat(store.members(r.id()))
        .filteredOn(m -> m.deviceId().equals("d3"))
        .singleElement()
        .satisfies(m -> assertThat(m.wave()).isEqualTo(1));
    assertThat(store.joinable()).extracting(Rollout::id).containsExactly(r.id());
  }

  @Test
  void rollouts_list_newest_first_and_terminal_ones_are_not_live() {
    Rollout first = add("");
    Rollout second = add("");
    store.apply(
        new RolloutStore.Change(
            first,
            first.with(RolloutPhase.COMPLETED, null, 1, "done"),
            List.of(),
            List.of(),
            List.of()));

    assertThat(store.rollouts()).extracting(Rollout::id).containsExactly(second.id(), first.id());
    assertThat(store.live()).containsExactly(second.id());
    assertThat(store.rollout(second.id() + 100)).isEmpty();
  }
}
