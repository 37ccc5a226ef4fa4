package dev.verge.hub.device;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.device;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.hub.store.StoreContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link DeviceStore} must do. */
public abstract class DeviceStoreContract extends StoreContract {
  private DeviceStore store;

  @BeforeEach
  void devices() {
    store = stores.devices();
  }

  @Test
  void an_enrollment_token_enrolls_once() {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), "for the lab");

    assertThat(store.enroll("t", T0.plusSeconds(1), device("dev-1", Map.of()))).isTrue();
    assertThat(store.enroll("t", T0.plusSeconds(2), device("dev-2", Map.of()))).isFalse();

    assertThat(store.devices()).extracting(Device::id).containsExactly("dev-1");
  }

  @Test
  void an_expired_or_unknown_enrollment_token_enrolls_nothing() {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), null);

    assertThat(store.enroll("t", T0.plusSeconds(60), device("dev-1", Map.of()))).isFalse();
    assertThat(store.enroll("unknown", T0, device("dev-2", Map.of()))).isFalse();

    assertThat(store.devices()).isEmpty();
  }

  @Test
  void concurrent_enrollments_with_one_token_admit_exactly_one() throws Exception {
    store.addEnrollmentToken("t", T0, T0.plusSeconds(60), null);
    int attempts = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<Boolean>> calls = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      String id = "dev-" + i;
      calls.add(
          () -> {
            go.await();
            return store.enroll("t", T0, device(id, Map.of()));
          });
    }
    List<Boolean> results = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(attempts)) {
      List<Future<Boolean>> futures = calls.stream().map(pool::submit).toList();
      go.countDown();
      for (Future<Boolean> f : futures) {
        results.add(f.get());
      }
    }

    assertThat(results).containsOnlyOnce(true);
    assertThat(store.devices()).hasSize(1);
  }

  /**
   * A label change reads the device's labels and writes them back: two at once must not lose one
   * (on PostgreSQL one of them is aborted as a serialization failure and run again).
   */
  @Test
  void concurrent_label_changes_to_one_device_all_take_effect() throws Exception {
    enroll(store, "dev-1", Map.of());
    int writers = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<?>> done = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(writers)) {
      for (int i = 0; i < writers; i++) {
        String key = "k" + i;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  return store.changeOperatorLabels(
                      "dev-1", l -> l.with(Map.of(key, "v"), List.of()));
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    }

    assertThat(store.device("dev-1").orElseThrow().operatorLabels().set())
        .containsOnlyKeys("k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7");
  }

  @Test
  void devices_are_found_by_id_and_credential_hash() {
    enroll(store, "dev-1", Map.of("site", "lab", "arch", "arm64"));

    Device device = store.device("dev-1").orElseThrow();

    assertThat(device)
        .isEqualTo(
            new Device(
                "dev-1",
                "name-dev-1",
                Map.of("site", "lab", "arch", "arm64"),
                OperatorLabels.NONE,
                T0,
                null,
                null));
    assertThat(store.deviceIdByCredential("cred-dev-1")).contains("dev-1");
    assertThat(store.deviceIdByCredential("cred-nobody")).isEmpty();
    assertThat(store.device("dev-2")).isEmpty();
  }

  @Test
  void last_seen_only_moves_forward() {
    enroll(store, "dev-1", Map.of());

    store.touchDevices(Map.of("dev-1", T0.plusSeconds(10)));
    store.touchDevices(Map.of("dev-1", T0.plusSeconds(5)));

    assertThat(store.device("dev-1").orElseThrow().lastSeenAt()).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void last_contacts_of_several_devices_are_written_together_and_unknown_ids_skipped() {
    enroll(store, "dev-1", Map.of());
    enroll(store, "dev-2", Map.of());

    store.touchDevices(
        Map.of(
            "dev-1", T0.plusSeconds(1), "dev-2", T0.plusSeconds(2), "dev-gone", T0.plusSeconds(3)));

    assertThat(store.devices())
        .extracting(Device::lastSeenAt)
        .containsExactly(T0.plusSeconds(1), T0.plusSeconds(2));
  }

  @Test
  void operator_labels_win_over_reported_labels_and_removals_hide_reported_keys() {
    enroll(store, "dev-1", Map.of("site", "lab", "line", "1", "arch", "arm64"));

    Device changed =
        store
            .changeOperatorLabels(
                "dev-1", l -> l.with(Map.of("site", "plant-7", "tier", "canary"), List.of("line")))
            .orElseThrow();

    assertThat(changed.labels())
        .isEqualTo(Map.of("site", "plant-7", "tier", "canary", "arch", "arm64"));
    assertThat(changed.reportedLabels())
        .isEqualTo(Map.of("site", "lab", "line", "1", "arch", "arm64"));
    store.saveReported(
        "dev-1",
        new ReportedState("0.1.0", List.of(), 0, 0, Map.of("site", "lab", "line", "2")),
        T0.plusSeconds(1));
    assertThat(store.device("dev-1").orElseThrow().labels())
        .isEqualTo(Map.of("site", "plant-7", "tier", "canary"));
  }

  @Test
  void setting_a_removed_key_again_lifts_its_tombstone_and_removing_a_set_key_drops_it() {
    enroll(store, "dev-1", Map.of("line", "1"));
    store.changeOperatorLabels("dev-1", l -> l.with(Map.of("tier", "canary"), List.of("line")));

    Device after =
        store
            .changeOperatorLabels("dev-1", l -> l.with(Map.of("line", "9"), List.of("tier")))
            .orElseThrow();

    assertThat(after.labels()).isEqualTo(Map.of("line", "9"));
    assertThat(after.operatorLabels().removed()).containsExactly("tier");
    assertThat(store.device("dev-1").orElseThrow()).isEqualTo(after);
  }

  @Test
  void a_failing_label_change_saves_nothing_and_an_unknown_device_changes_nothing() {
    enroll(store, "dev-1", Map.of("line", "1"));

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                store.changeOperatorLabels(
                    "dev-1",
                    l -> {
                      throw new IllegalStateException("refused");
                    }))
        .hasMessage("refused");

    assertThat(store.device("dev-1").orElseThrow().operatorLabels()).isEqualTo(OperatorLabels.NONE);
    assertThat(store.changeOperatorLabels("dev-2", l -> l.with(Map.of("a", "b"), List.of())))
        .isEmpty();
  }

  @Test
  void reported_state_round_trips() {
    enroll(store, "dev-1", Map.of());
    ReportedState state =
        new ReportedState(
            "0.1.0",
            List.of(new ModelReport("iris", 2L, List.of(1L, 2L), 3L, "bad input shape", 7L)),
            42,
            1);

    assertThat(store.saveReported("dev-1", state, T0.plusSeconds(1))).isTrue();

    assertThat(store.device("dev-1").orElseThrow().reported()).isEqualTo(state);
    assertThat(store.saveReported("dev-2", state, T0.plusSeconds(1))).isFalse();
  }

  @Test
  void reported_labels_replace_the_devices_reported_labels() {
    enroll(store, "dev-1", Map.of("site", "lab"));

    store.saveReported(
        "dev-1",
        new ReportedState("0.1.0", List.of(), 0, 0, Map.of("site", "plant-3", "line", "2")),
        T0.plusSeconds(1));

    assertThat(store.device("dev-1").orElseThrow().labels())
        .isEqualTo(Map.of("site", "plant-3", "line", "2"));
  }

  @Test
  void a_report_without_labels_keeps_the_devices_labels() {
    enroll(store, "dev-1", Map.of("site", "lab"));

    store.saveReported("dev-1", new ReportedState("0.1.0", List.of(), 0, 0), T0.plusSeconds(1));

    assertThat(store.device("dev-1").orElseThrow().labels()).isEqualTo(Map.of("site", "lab"));
  }
}
