package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.HardwareProfile;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ReportedState;
import dev.verge.core.json.Json;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /api/v1/devices}: search by selector and status, in pages, and hardware profiles. */
class DeviceSearchTest {
  private static final HardwareProfile JETSON =
      new HardwareProfile(
          "arm64",
          6,
          8L * 1024 * 1024 * 1024,
          64L * 1024 * 1024 * 1024,
          List.of("cuda"),
          "Linux",
          "5.15.148-tegra",
          "0.2.0");

  @TempDir Path dir;
  TestHub hub;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresDeviceSearchTest}. */
  TestHub startHub(Path dir) {
    return TestHub.start(dir);
  }

  @BeforeEach
  void start() {
    hub = startHub(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private HubClient.Reply search(String query) {
    return hub.admin().get(ApiPaths.DEVICES + query);
  }

  private List<String> ids(String query) {
    HubClient.Reply reply = search(query);
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    return reply.as(DevicePage.class).items().stream().map(DeviceView::name).toList();
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** Enrolls one millisecond after the one before, so that enrollment order is the call order. */
  private TestHub.Device enroll(String name, Map<String, String> labels) {
    hub.clock.advance(Duration.ofMillis(1));
    return hub.enroll(name, labels);
  }

  private static HubClient.Reply report(TestHub.Device device, ReportedState state) {
    return device.http().put(ApiPaths.reported(device.id()), state);
  }

  @Test
  void devices_are_found_by_label_selector() {
    enroll("pump-1", Map.of("site", "plant-7", "tier", "canary"));
    enroll("pump-2", Map.of("site", "plant-7"));
    enroll("pump-3", Map.of("site", "lab"));

    assertThat(ids("")).containsExactly("pump-1", "pump-2", "pump-3");
    assertThat(ids("?selector=site%3Dplant-7")).containsExactly("pump-1", "pump-2");
    assertThat(ids("?selector=" + encode("site in (lab,plant-7),!tier")))
        .containsExactly("pump-2", "pump-3");
    assertThat(ids("?selector=" + encode("tier notin (canary)")))
        .containsExactly("pump-2", "pump-3");
  }

  @Test
  void pages_follow_each_other_by_cursor_in_enrollment_order() {
    List<String> enrolled = new ArrayList<>();
    for (int i = 1; i <= 7; i++) {
      enroll("pump-" + i, Map.of("site", "plant-7"));
      enrolled.add("pump-" + i);
    }

    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    String cursor = null;
    do {
      HubClient.Reply reply =
          search("?selector=site%3Dplant-7&limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(reply.status()).as("%s", reply).isEqualTo(200);
      DevicePage page = reply.as(DevicePage.class);
      page.items().forEach(d -> seen.add(d.name()));
      sizes.add(page.items().size());
      cursor = page.nextCursor();
    } while (cursor != null);

    assertThat(seen).isEqualTo(enrolled);
    assertThat(sizes).containsExactly(3, 3, 1);
    assertThat(search("?limit=7").as(DevicePage.class).nextCursor())
        .as("a page that holds the rest is the last")
        .isNull();
  }

  @Test
  void status_tells_online_from_offline_devices_by_their_last_contact() throws Exception {
    TestHub.Device early = enroll("early", Map.of());
    TestHub.Device late = enroll("late", Map.of());
    TestHub.Device never = enroll("never", Map.of());
    assertThat(report(early, new ReportedState("0.2.0", List.of(), 0, 0)).status()).isEqualTo(204);
    hub.clock.advance(HubConfig.DEFAULT_DEVICE_OFFLINE_AFTER);
    assertThat(report(late, new ReportedState("0.2.0", List.of(), 0, 0)).status()).isEqualTo(204);
    hub.clock.advance(Duration.ofSeconds(1));
    awaitOnline("late");

    assertThat(ids("?status=online")).containsExactly("late");
    assertThat(ids("?status=OFFLINE")).containsExactly("early", "never");
    assertThat(hub.admin().get(ApiPaths.DEVICE + late.id()).as(DeviceView.class).online()).isTrue();
    assertThat(hub.admin().get(ApiPaths.DEVICE + never.id()).as(DeviceView.class).online())
        .isFalse();
  }

  /** Contacts reach the store within a second (LastContacts); the search reads the store. */
  private void awaitOnline(String name) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!ids("?status=online").contains(name)) {
      assertThat(System.nanoTime()).as("%s online within 10 s", name).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void a_reported_hardware_profile_shows_in_the_device_and_in_selectors() {
    TestHub.Device jetson = enroll("jetson", Map.of("site", "lab"));
    enroll("old-agent", Map.of("site", "lab"));

    HubClient.Reply reported =
        report(jetson, new ReportedState("0.2.0", List.of(), 0, 0, null, null, JETSON));

    assertThat(reported.status()).as("%s", reported).isEqualTo(204);
    DeviceView view = hub.admin().get(ApiPaths.DEVICE + jetson.id()).as(DeviceView.class);
    assertThat(view.reported().hardware()).isEqualTo(JETSON);
    assertThat(view.labels())
        .containsEntry("site", "lab")
        .containsEntry("verge.io/arch", "arm64")
        .containsEntry("verge.io/memory-gib", "8")
        .containsEntry("verge.io/accelerators", "cuda");
    assertThat(ids("?selector=" + encode("verge.io/arch=arm64,verge.io/accelerators")))
        .containsExactly("jetson");
    assertThat(ids("?selector=" + encode("site=lab,!verge.io/arch"))).containsExactly("old-agent");
  }

  @Test
  void an_old_agents_report_without_a_profile_is_accepted() {
    TestHub.Device device = enroll("old", Map.of());

    HubClient.Reply reply =
        device
            .http()
            .send(
                "PUT",
                ApiPaths.reported(device.id()),
                HttpRequest.BodyPublishers.ofString(
                    "{\"agentVersion\":\"0.1.0\",\"models\":[],\"predictionsServed\":3,"
                        + "\"predictionsFailed\":0}"),
                "Content-Type",
                "application/json");

    assertThat(reply.status()).as("%s", reply).isEqualTo(204);
    DeviceView view = hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class);
    assertThat(view.reported().hardware()).isNull();
    assertThat(view.reported().predictionsServed()).isEqualTo(3);
  }

  @Test
  void malformed_search_parameters_are_400_naming_what_is_wrong() {
    enroll("pump-1", Map.of());

    assertBadRequest("?selector=" + encode("site in (a"), "selector: cannot read selector");
    assertBadRequest("?status=asleep", "status must be online or offline, got 'asleep'");
    assertBadRequest("?limit=0", "limit must be a whole number from 1 to 1000, got '0'");
    assertBadRequest("?limit=1001", "limit must be a whole number from 1 to 1000, got '1001'");
    assertBadRequest("?limit=many", "limit must be a whole number from 1 to 1000, got 'many'");
    assertBadRequest("?cursor=%25%25%25", "cursor is not URL-safe base64");
    assertBadRequest("?cursor=bm9wZQ", "cursor does not hold a position");
    assertBadRequest("?cursor=" + "A".repeat(600), "cursor is 600 characters long");
  }

  private void assertBadRequest(String query, String message) {
    HubClient.Reply reply = search(query);
    assertThat(reply.status()).as("%s", reply).isEqualTo(400);
    assertThat(reply.error()).contains(message);
  }

  @Test
  void reserved_label_keys_are_refused_from_operators_and_devices() {
    TestHub.Device device = enroll("pump-1", Map.of());

    HubClient.Reply patch =
        hub.admin()
            .send(
                "PATCH",
                ApiPaths.labels(device.id()),
                HttpRequest.BodyPublishers.ofByteArray(
                    Json.write(new LabelChange(Map.of("verge.io/arch", "amd64"), List.of()))),
                "Content-Type",
                "application/json");
    HubClient.Reply enroll =
        hub.client(hub.enrollmentToken())
            .post(
                ApiPaths.ENROLL,
                new EnrollRequest("spoof", Map.of("verge.io/cores", "64"), "0.2.0", "linux"));
    HubClient.Reply report =
        report(
            device,
            new ReportedState("0.2.0", List.of(), 0, 0, Map.of("verge.io/os", "plan9"), null));

    assertThat(patch.status()).as("%s", patch).isEqualTo(400);
    assertThat(patch.error()).contains("set key 'verge.io/arch' is reserved");
    assertThat(enroll.status()).as("%s", enroll).isEqualTo(400);
    assertThat(enroll.error()).contains("labels key 'verge.io/cores' is reserved");
    assertThat(report.status()).as("%s", report).isEqualTo(400);
    assertThat(report.error()).contains("labels key 'verge.io/os' is reserved");
  }
}
