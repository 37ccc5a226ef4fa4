package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ReportedState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesiredStateTest {
  @TempDir Path dir;
  TestHub hub;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresDesiredStateTest}. */
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

  private static DesiredState desired(TestHub.Device device) {
    HubClient.Reply reply = device.http().get(ApiPaths.desired(device.id()));
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    assertThat(reply.header("ETag"))
        .isEqualTo("\"" + reply.as(DesiredState.class).revision() + "\"");
    return reply.as(DesiredState.class);
  }

  @Test
  void a_new_device_wants_nothing() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    DesiredState state = desired(device);

    assertThat(state.models()).isEmpty();
    assertThat(state.revision()).matches("[0-9a-f]{16}");
  }

  @Test
  void an_unchanged_state_answers_304_without_a_body() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    String etag = "\"" + desired(device).revision() + "\"";

    HubClient.Reply reply = device.http().get(ApiPaths.desired(device.id()), "If-None-Match", etag);

    assertThat(reply.status()).isEqualTo(304);
    assertThat(reply.body()).isEmpty();
    assertThat(reply.header("ETag")).isEqualTo(etag);
  }

  @Test
  void a_deployment_changes_the_desired_state() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    DesiredState before = desired(device);
    ModelVersionView iris = hub.publish("iris", 1);
    DeploymentView deployment = hub.deploy("iris", 1, Map.of());

    HubClient.Reply reply =
        device
            .http()
            .get(ApiPaths.desired(device.id()), "If-None-Match", "\"" + before.revision() + "\"");

    assertThat(reply.status()).isEqualTo(200);
    DesiredState after = reply.as(DesiredState.class);
    assertThat(after.revision()).isNotEqualTo(before.revision());
    assertThat(after.models())
        .containsExactly(
            new DesiredModel(
                "iris", 1, iris.bundleDigest(), iris.bundleSize(), deployment.id(), false));
  }

  @Test
  void a_long_poll_returns_early_when_a_deployment_is_created() throws Exception {
    TestHub.Device device = hub.enroll("edge", Map.of());
    String etag = "\"" + desired(device).revision() + "\"";
    hub.publish("iris", 1);
    long started = System.nanoTime();

    CompletableFuture<HubClient.Reply> poll =
        CompletableFuture.supplyAsync(
            () ->
                device
                    .http()
                    .get(ApiPaths.desired(device.id()) + "?waitSeconds=30", "If-None-Match", etag));
    hub.deploy("iris", 1, Map.of());
    HubClient.Reply reply = poll.get();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.as(DesiredState.class).models())
        .extracting(DesiredModel::name)
        .containsExactly("iris");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void a_long_poll_without_change_answers_304_when_the_wait_ends() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    String etag = "\"" + desired(device).revision() + "\"";
    long started = System.nanoTime();

    HubClient.Reply reply =
        device.http().get(ApiPaths.desired(device.id()) + "?waitSeconds=1", "If-None-Match", etag);

    assertThat(reply.status()).isEqualTo(304);
    assertThat(Duration.ofNanos(System.nanoTime() - started))
        .isGreaterThanOrEqualTo(Duration.ofMillis(900));
  }

  @Test
  void closing_the_hub_ends_a_long_poll_at_once() throws Exception {
    TestHub.Device device = hub.enroll("edge", Map.of());
    String etag = "\"" + desired(device).revision() + "\"";
    hub.clock.advance(Duration.ofMinutes(1));
    CompletableFuture<HubClient.Reply> poll =
        CompletableFuture.supplyAsync(
            () ->
                device
                    .http()
                    .get(ApiPaths.desired(device.id()) + "?waitSeconds=60", "If-None-Match", etag));
    awaitLastSeen(device, hub.clock.instant());
    long started = System.nanoTime();

    hub.close();

    assertThat(poll.get().status()).isEqualTo(304);
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  /** Waits until the hub has authenticated a call the device made at {@code time}. */
  private void awaitLastSeen(TestHub.Device device, Instant time) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!time.equals(
        hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).lastSeenAt())) {
      assertThat(System.nanoTime()).as("the poll reached the hub in time").isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  @Test
  void a_wait_over_sixty_seconds_is_400() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    HubClient.Reply reply = device.http().get(ApiPaths.desired(device.id()) + "?waitSeconds=61");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("waitSeconds").contains("61");
  }

  @Test
  void a_selector_picks_devices_whose_labels_contain_all_its_pairs() {
    TestHub.Device armLab = hub.enroll("a", Map.of("site", "lab", "arch", "arm64", "tier", "x"));
    TestHub.Device lab = hub.enroll("b", Map.of("site", "lab"));
    TestHub.Device field = hub.enroll("c", Map.of("site", "field", "arch", "arm64"));
    hub.publish("iris", 1);
    hub.publish("vad", 1);
    hub.deploy("iris", 1, Map.of("site", "lab", "arch", "arm64"));
    hub.deploy("vad", 1, Map.of());

    assertThat(desired(armLab).models())
        .extracting(DesiredModel::name)
        .containsExactly("iris", "vad");
    assertThat(desired(lab).models()).extracting(DesiredModel::name).containsExactly("vad");
    assertThat(desired(field).models()).extracting(DesiredModel::name).containsExactly("vad");
  }

  @Test
  void labels_a_device_reports_replace_its_enrolled_ones_and_the_desired_state_follows() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));
    hub.publish("iris", 1);
    hub.deploy("iris", 1, Map.of("site", "plant-3"));
    assertThat(desired(device).models()).isEmpty();

    HubClient.Reply reply =
        device
            .http()
            .put(
                ApiPaths.reported(device.id()),
                new ReportedState("test-agent", List.of(), 0, 0, Map.of("site", "plant-3")));

    assertThat(reply.status()).as("%s", reply).isIn(200, 204);
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "plant-3"));
    assertThat(desired(device).models()).extracting(DesiredModel::name).containsExactly("iris");
  }

  @Test
  void a_report_with_a_bad_label_key_is_400_and_changes_nothing() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "lab"));

    HubClient.Reply reply =
        device
            .http()
            .put(
                ApiPaths.reported(device.id()),
                new ReportedState("test-agent", List.of(), 0, 0, Map.of("bad key", "x")));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("bad key");
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class).labels())
        .isEqualTo(Map.of("site", "lab"));
  }

  @Test
  void the_newest_matching_deployment_of_a_model_wins() {
    TestHub.Device arm = hub.enroll("a", Map.of("arch", "arm64"));
    TestHub.Device x86 = hub.enroll("b", Map.of("arch", "x86_64"));
    hub.publish("iris", 1);
    hub.publish("iris", 2);
    hub.deploy("iris", 2, Map.of());
    DeploymentView rollback =
        hub.admin()
            .post(
                ApiPaths.DEPLOYMENTS,
                new DeploymentRequest("iris", 1, Map.of("arch", "arm64"), true))
            .as(DeploymentView.class);

    DesiredModel onArm = desired(arm).models().getFirst();
    DesiredModel onX86 = desired(x86).models().getFirst();

    assertThat(onArm.version()).isEqualTo(1);
    assertThat(onArm.rollback()).isTrue();
    assertThat(onArm.deploymentId()).isEqualTo(rollback.id());
    assertThat(onX86.version()).isEqualTo(2);
    assertThat(onX86.rollback()).isFalse();
  }
}
