package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.api.EventBatch;
import dev.verge.core.api.EventView;
import dev.verge.core.json.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9: the device events endpoint pipelines raise events through. */
class DeviceEventsTest {
  private static final TypeReference<List<EventView>> EVENTS = new TypeReference<>() {};

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

  static DeviceEvent event(long sequence) {
    return new DeviceEvent(
        sequence,
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(sequence),
        "pump-watch",
        "output[1] > 0.8",
        "warning",
        "pump failure risk",
        "pump",
        2,
        Json.tree("{\"reading\":\"synthetic #1\",\"outputs\":{\"output[1]\":0.93}}".getBytes()));
  }

  static EventBatch batch(long from, long to) {
    return new EventBatch(
        LongStream.rangeClosed(from, to).mapToObj(DeviceEventsTest::event).toList());
  }

  private static HubClient.Reply post(TestHub.Device device, EventBatch batch) {
    return device.http().post(ApiPaths.events(device.id()), batch);
  }

  @Test
  void events_are_stored_once_per_sequence_and_listed_for_the_operator() {
    TestHub.Device device = hub.enroll("far-edge", Map.of());

    HubClient.Reply first = post(device, batch(1, 3));
    HubClient.Reply again = post(device, batch(2, 4));

    assertThat(first.status()).as("%s", first).isEqualTo(200);
    assertThat(first.as(BatchAck.class)).isEqualTo(new BatchAck(3, false));
    assertThat(again.as(BatchAck.class).accepted()).isEqualTo(1);
    List<EventView> listed = hub.admin().get(ApiPaths.events(device.id())).as(EVENTS);
    assertThat(listed).extracting(v -> v.event().sequence()).containsExactly(1L, 2L, 3L, 4L);
    assertThat(listed.getFirst().event()).isEqualTo(event(1));
    assertThat(listed.getFirst().deviceId()).isEqualTo(device.id());
    List<EventView> page =
        hub.admin().get(ApiPaths.events(device.id()) + "?after=2&limit=1").as(EVENTS);
    assertThat(page).extracting(v -> v.event().sequence()).containsExactly(3L);
  }

  @Test
  void events_survive_a_restart_of_the_hub() {
    TestHub.Device device = hub.enroll("far-edge", Map.of());
    post(device, batch(1, 2));

    hub.restart();

    assertThat(hub.admin().get(ApiPaths.events(device.id())).as(EVENTS)).hasSize(2);
  }

  @Test
  void a_device_may_not_post_events_for_another_and_only_the_admin_lists_them() {
    TestHub.Device a = hub.enroll("a", Map.of());
    TestHub.Device b = hub.enroll("b", Map.of());

    HubClient.Reply forOther = a.http().post(ApiPaths.events(b.id()), batch(1, 1));
    HubClient.Reply listByDevice = a.http().get(ApiPaths.events(a.id()));

    assertThat(forOther.status()).isEqualTo(403);
    assertThat(listByDevice.status()).isEqualTo(403);
  }

  @Test
  void an_invalid_event_is_refused_naming_it_and_nothing_of_its_batch_is_stored() {
    TestHub.Device device = hub.enroll("far-edge", Map.of());
    DeviceEvent bad = new DeviceEvent(2, Instant.now(), "p", "r", "loud", null, "pump", 1, null);

    HubClient.Reply reply = post(device, new EventBatch(List.of(event(1), bad)));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("events[1].severity").contains("loud");
    assertThat(hub.admin().get(ApiPaths.events(device.id())).as(EVENTS)).isEmpty();
  }

  @Test
  void listing_an_unknown_device_is_404_and_a_bad_limit_400() {
    TestHub.Device device = hub.enroll("far-edge", Map.of());

    assertThat(hub.admin().get(ApiPaths.events("nope")).status()).isEqualTo(404);
    HubClient.Reply bad = hub.admin().get(ApiPaths.events(device.id()) + "?limit=0");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.error()).contains("limit");
  }
}
