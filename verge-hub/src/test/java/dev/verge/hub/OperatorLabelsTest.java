package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ReportedState;
import dev.verge.core.json.Json;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code PATCH /api/v1/devices/{id}/labels}: operator labels over the labels devices report. */
class OperatorLabelsTest {
  @TempDir Path dir;
  TestHub hub;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private static HubClient.Reply patch(HubClient client, String id, Object body) {
    return client.send(
        "PATCH",
        ApiPaths.labels(id),
        HttpRequest.BodyPublishers.ofByteArray(Json.write(body)),
        "Content-Type",
        "application/json");
  }

  private HubClient.Reply label(String id, Map<String, String> set, List<String> remove) {
    return patch(hub.admin(), id, new LabelChange(set, remove));
  }

  @Test
  void operator_labels_are_set_and_removed_over_the_enrolled_ones() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab", "line", "1"));

    HubClient.Reply reply = label(device.id(), Map.of("site", "plant-7"), List.of("line"));

    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    assertThat(reply.as(DeviceView.class).labels()).isEqualTo(Map.of("site", "plant-7"));
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "plant-7"));
  }

  @Test
  void the_operator_wins_over_later_reports_and_a_removed_key_stays_hidden() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));
    label(device.id(), Map.of("site", "plant-7"), List.of("line"));

    HubClient.Reply report =
        device
            .http()
            .put(
                ApiPaths.reported(device.id()),
                new ReportedState(
                    "test-agent",
                    List.of(),
                    0,
                    0,
                    Map.of("site", "lab", "line", "3", "arch", "x")));

    assertThat(report.status()).as("%s", report).isEqualTo(204);
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "plant-7", "arch", "x"));
  }

  @Test
  void selectors_match_the_operator_labels() {
    hub.publish("iris", 1);
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));
    hub.deploy("iris", 1, Map.of("tier", "canary"));
    assertThat(device.http().get(ApiPaths.desired(device.id())).as(DesiredState.class).models())
        .isEmpty();

    label(device.id(), Map.of("tier", "canary"), List.of());

    DesiredState state = device.http().get(ApiPaths.desired(device.id())).as(DesiredState.class);
    assertThat(state.models())
        .extracting(m -> m.name() + ":" + m.version())
        .containsExactly("iris:1");
  }

  @Test
  void a_bad_key_or_value_is_400_naming_it_and_changes_nothing() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));

    HubClient.Reply badSet = label(device.id(), Map.of("bad key", "x"), List.of());
    HubClient.Reply badRemove = label(device.id(), Map.of(), List.of("-dash"));
    HubClient.Reply both = label(device.id(), Map.of("site", "a"), List.of("site"));
    HubClient.Reply longValue = label(device.id(), Map.of("site", "v".repeat(256)), List.of());
    HubClient.Reply empty =
        hub.admin()
            .send(
                "PATCH",
                ApiPaths.labels(device.id()),
                HttpRequest.BodyPublishers.noBody(),
                "Content-Type",
                "application/json");

    assertThat(badSet.status()).as("%s", badSet).isEqualTo(400);
    assertThat(badSet.error()).contains("set key 'bad key'");
    assertThat(badRemove.status()).as("%s", badRemove).isEqualTo(400);
    assertThat(badRemove.error()).contains("remove key '-dash'");
    assertThat(both.status()).as("%s", both).isEqualTo(400);
    assertThat(both.error()).contains("'site'");
    assertThat(longValue.status()).as("%s", longValue).isEqualTo(400);
    assertThat(longValue.error()).contains("'site'");
    assertThat(empty.status()).as("%s", empty).isEqualTo(400);
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "lab"));
  }

  @Test
  void an_unknown_device_is_404() {
    HubClient.Reply reply = label("dev-000000000000", Map.of("a", "b"), List.of());

    assertThat(reply.status()).as("%s", reply).isEqualTo(404);
    assertThat(reply.code()).isEqualTo("NO_SUCH_DEVICE");
  }

  @Test
  void only_the_admin_may_label() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));
    LabelChange change = new LabelChange(Map.of("site", "mine"), List.of());

    assertThat(patch(device.http(), device.id(), change).status()).isEqualTo(403);
    assertThat(patch(hub.anonymous(), device.id(), change).status()).isEqualTo(401);
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "lab"));
  }
}
