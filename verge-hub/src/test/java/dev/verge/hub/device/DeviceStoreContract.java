package dev.verge.hub.device;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.device;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.HardwareProfile;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.select.Selector;
import dev.verge.hub.store.StoreContract;
import java.time.Instant;
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

  private static final HardwareProfile GPU_BOX =
      new HardwareProfile(
          "amd64",
          8,
          16L * 1024 * 1024 * 1024,
          500L * 1024 * 1024 * 1024,
          List.of("cuda"),
          "Linux",
          "6.8.0-45-generic",
          "0.2.0");

  private static ReportedState reportWith(HardwareProfile hardware, Map<String, String> labels) {
    return new ReportedState("0.2.0", List.of(), 0, 0, labels, null, hardware);
  }

  private List<String> search(String selector) {
    return store.search(new DeviceQuery(Selector.parse(selector), null, null, null, 100)).stream()
        .map(Device::id)
        .toList();
  }

  /** The store's search finds exactly the devices whose labels the selector matches in memory. */
  private void assertSearchAgreesWithMatching(String... selectors) {
    List<Device> all = store.devices();
    for (String text : selectors) {
      Selector selector = Selector.parse(text);
      assertThat(search(text))
          .as("devices matching '%s'", text)
          .containsExactlyElementsOf(
              all.stream().filter(d -> selector.matches(d.labels())).map(Device::id).toList());
    }
  }

  @Test
  void search_finds_devices_by_every_kind_of_selector_requirement() {
    enroll(store, "dev-1", Map.of("site", "lab", "tier", "canary"));
    enroll(store, "dev-2", Map.of("site", "plant-7", "tier", "stable"));
    enroll(store, "dev-3", Map.of("site", "plant-7"));
    enroll(store, "dev-4", Map.of());

    assertThat(search("site=plant-7")).containsExactly("dev-2", "dev-3");
    assertThat(search("site!=plant-7")).containsExactly("dev-1", "dev-4");
    assertThat(search("tier in (canary,stable)")).containsExactly("dev-1", "dev-2");
    assertThat(search("tier notin (canary)")).containsExactly("dev-2", "dev-3", "dev-4");
    assertThat(search("tier")).containsExactly("dev-1", "dev-2");
    assertThat(search("!tier")).containsExactly("dev-3", "dev-4");
    assertThat(search("site=plant-7,!tier")).containsExactly("dev-3");
    assertThat(search("")).containsExactly("dev-1", "dev-2", "dev-3", "dev-4");
    assertThat(search("site=nowhere")).isEmpty();
  }

  @Test
  void search_follows_operator_labels_reports_and_tombstones() {
    enroll(store, "dev-1", Map.of("site", "lab", "line", "1"));
    enroll(store, "dev-2", Map.of("site", "lab", "line", "2"));
    enroll(store, "dev-3", Map.of("site", "plant-7"));
    store.changeOperatorLabels("dev-1", l -> l.with(Map.of("site", "plant-7"), List.of("line")));
    store.saveReported(
        "dev-2", reportWith(null, Map.of("site", "plant-7", "line", "3")), T0.plusSeconds(1));
    store.saveReported("dev-3", reportWith(null, null), T0.plusSeconds(1));
    store.saveReported("dev-1", reportWith(null, Map.of("line", "9")), T0.plusSeconds(2));
    store.changeOperatorLabels("dev-2", l -> l.with(Map.of("tier", "canary"), List.of()));
    store.changeOperatorLabels("dev-2", l -> l.with(Map.of(), List.of("tier", "line")));

    assertThat(search("site=plant-7")).containsExactly("dev-1", "dev-2", "dev-3");
    assertThat(search("line")).isEmpty();
    assertSearchAgreesWithMatching(
        "site=plant-7",
        "site=lab",
        "line",
        "!line",
        "line in (1,2,3,9)",
        "tier",
        "site!=lab,!tier");
  }

  @Test
  void search_pages_in_enrollment_order_from_a_position() {
    for (int i = 1; i <= 5; i++) {
      enroll(store, "dev-" + i, Map.of("site", i % 2 == 0 ? "even" : "odd"));
    }
    DeviceQuery first = new DeviceQuery(Selector.parse("site=odd"), null, null, null, 2);

    List<Device> page1 = store.search(first);
    List<Device> page2 = store.search(first.after(DeviceQuery.Position.of(page1.getLast())));

    assertThat(page1).extracting(Device::id).containsExactly("dev-1", "dev-3");
    assertThat(page2).extracting(Device::id).containsExactly("dev-5");
    assertThat(store.search(DeviceQuery.all(10).after(new DeviceQuery.Position(T0, "dev-3"))))
        .extracting(Device::id)
        .containsExactly("dev-4", "dev-5");
  }

  @Test
  void search_filters_online_and_offline_devices_by_their_last_contact() {
    enroll(store, "dev-1", Map.of());
    enroll(store, "dev-2", Map.of());
    enroll(store, "dev-3", Map.of());
    store.touchDevices(Map.of("dev-1", T0.plusSeconds(100), "dev-2", T0.plusSeconds(10)));
    Instant since = T0.plusSeconds(50);

    assertThat(store.search(new DeviceQuery(null, DeviceQuery.Status.ONLINE, since, null, 10)))
        .extracting(Device::id)
        .containsExactly("dev-1");
    assertThat(store.search(new DeviceQuery(null, DeviceQuery.Status.OFFLINE, since, null, 10)))
        .extracting(Device::id)
        .containsExactly("dev-2", "dev-3");
    assertThat(store.count(since)).isEqualTo(new DeviceStore.Counts(3, 1));
  }

  @Test
  void a_hardware_profile_gives_reserved_labels_that_selectors_match() {
    enroll(store, "dev-1", Map.of("site", "lab"));
    enroll(store, "dev-2", Map.of("site", "lab"));

    store.saveReported("dev-1", reportWith(GPU_BOX, null), T0.plusSeconds(1));

    Device gpu = store.device("dev-1").orElseThrow();
    assertThat(gpu.hardware()).isEqualTo(GPU_BOX);
    assertThat(gpu.reported().hardware()).as("kept once, in its own column").isNull();
    assertThat(gpu.labels())
        .containsEntry("site", "lab")
        .containsEntry("verge.io/arch", "amd64")
        .containsEntry("verge.io/cores", "8")
        .containsEntry("verge.io/memory-gib", "16")
        .containsEntry("verge.io/disk-gib", "500")
        .containsEntry("verge.io/accelerators", "cuda")
        .containsEntry("verge.io/os", "linux")
        .containsEntry("verge.io/os-version", "6.8.0-45-generic")
        .containsEntry("verge.io/agent-version", "0.2.0");
    assertThat(search("verge.io/accelerators=cuda,verge.io/memory-gib in (16,32)"))
        .containsExactly("dev-1");
    assertThat(search("site=lab,!verge.io/accelerators")).containsExactly("dev-2");
  }

  @Test
  void a_report_without_a_profile_keeps_it_and_a_new_profile_replaces_its_labels() {
    enroll(store, "dev-1", Map.of());
    store.saveReported("dev-1", reportWith(GPU_BOX, null), T0.plusSeconds(1));

    store.saveReported("dev-1", reportWith(null, Map.of("site", "lab")), T0.plusSeconds(2));
    assertThat(store.device("dev-1").orElseThrow().hardware()).isEqualTo(GPU_BOX);
    assertThat(search("verge.io/arch=amd64,site=lab")).containsExactly("dev-1");

    HardwareProfile cpuOnly =
        new HardwareProfile("arm64", 4, null, null, List.of(), "Linux", null, "0.2.1");
    store.saveReported("dev-1", reportWith(cpuOnly, null), T0.plusSeconds(3));

    assertThat(search("verge.io/arch=amd64")).isEmpty();
    assertThat(search("verge.io/arch=arm64,verge.io/cores=4,!verge.io/memory-gib"))
        .containsExactly("dev-1");
    assertThat(search("verge.io/accelerators")).isEmpty();
    assertSearchAgreesWithMatching("verge.io/agent-version=0.2.1", "site=lab", "verge.io/os");
  }

  /** Every shape of search the API can send: each must run on indexes. */
  static List<DeviceQuery> searchShapes() {
    Instant since = T0.plusSeconds(50);
    DeviceQuery.Position after = new DeviceQuery.Position(T0, "dev-2");
    List<DeviceQuery> shapes = new ArrayList<>();
    for (String selector :
        List.of(
            "",
            "site=plant-7",
            "tier in (canary,stable)",
            "tier",
            "!tier",
            "site!=lab",
            "tier notin (canary)",
            "site=plant-7,tier in (canary,stable),!retired,line!=3")) {
      for (DeviceQuery.Status status :
          new DeviceQuery.Status[] {null, DeviceQuery.Status.ONLINE, DeviceQuery.Status.OFFLINE}) {
        DeviceQuery query = new DeviceQuery(Selector.parse(selector), status, since, null, 101);
        shapes.add(query);
        shapes.add(query.after(after));
      }
    }
    return shapes;
  }

  /** A few devices to plan the searches over. */
  static void enrollForPlans(DeviceStore store) {
    for (int i = 1; i <= 3; i++) {
      enroll(store, "dev-" + i, Map.of("site", "plant-7", "tier", "canary", "line", "" + i));
    }
  }
}
