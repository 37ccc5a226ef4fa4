package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.RolloutState;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentTest {
  @TempDir Path dir;
  TestHub hub;
  HubClient admin;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresDeploymentTest}. */
  TestHub startHub(Path dir) {
    return TestHub.start(dir);
  }

  @BeforeEach
  void start() {
    hub = startHub(dir);
    admin = hub.admin();
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private DeploymentView get(long id) {
    HubClient.Reply reply = admin.get(ApiPaths.DEPLOYMENTS + "/" + id);
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    return reply.as(DeploymentView.class);
  }

  /** The deployment once {@code done} holds for it; the engine updates device states shortly. */
  private DeploymentView until(long id, Predicate<DeploymentView> done) {
    return hub.until(id, done);
  }

  private void awaitState(long id, TestHub.Device device, RolloutState state) {
    until(id, v -> stateOf(v, device) == state);
  }

  private static RolloutState stateOf(DeploymentView view, TestHub.Device device) {
    return view.devices().stream()
        .filter(d -> d.deviceId().equals(device.id()))
        .findFirst()
        .orElseThrow()
        .state();
  }

  @Test
  void deploys_a_published_version_to_the_matching_devices() {
    TestHub.Device lab = hub.enroll("lab-1", Map.of("site", "lab"));
    hub.enroll("field-1", Map.of("site", "field"));
    hub.publish("iris", 1);

    HubClient.Reply reply =
        admin.post(
            ApiPaths.DEPLOYMENTS, new DeploymentRequest("iris", 1, Map.of("site", "lab"), false));

    assertThat(reply.status()).isEqualTo(201);
    DeploymentView view = reply.as(DeploymentView.class);
    assertThat(reply.header("Location")).isEqualTo("/api/v1/deployments/" + view.id());
    assertThat(view.model()).isEqualTo("iris");
    assertThat(view.selector()).isEqualTo("site=lab");
    assertThat(view.createdAt()).isEqualTo(hub.clock.instant());
    assertThat(view.counts()).isEqualTo(new DeploymentView.Counts(1, 1, 0, 0, 0, 0, 0, 0, 0));
    assertThat(view.devices())
        .containsExactly(
            new DeviceRollout(
                lab.id(), "lab-1", 0, RolloutState.PENDING, null, "given v1, not reported yet"));
    assertThat(get(view.id())).isEqualTo(view);
  }

  @Test
  void deploying_an_unpublished_version_is_404() {
    hub.publish("iris", 1);

    HubClient.Reply reply =
        admin.post(ApiPaths.DEPLOYMENTS, new DeploymentRequest("iris", 2, Map.of(), false));

    assertThat(reply.status()).isEqualTo(404);
    assertThat(reply.error()).contains("iris").contains("2");
  }

  @Test
  void a_deployment_without_model_or_with_version_below_one_is_400() {
    HubClient.Reply noModel =
        admin.post(ApiPaths.DEPLOYMENTS, new DeploymentRequest(null, 1, Map.of(), false));
    HubClient.Reply noVersion = admin.postText(ApiPaths.DEPLOYMENTS, "{\"model\": \"iris\"}");

    assertThat(noModel.status()).isEqualTo(400);
    assertThat(noModel.error()).contains("model");
    assertThat(noVersion.status()).isEqualTo(400);
    assertThat(noVersion.error()).contains("version");
  }

  @Test
  void lists_deployments_newest_first_and_404s_unknown_ids() {
    hub.publish("iris", 1);
    hub.publish("iris", 2);
    DeploymentView first = hub.deploy("iris", 1, Map.of());
    DeploymentView second = hub.deploy("iris", 2, Map.of());

    List<DeploymentView> all =
        admin.get(ApiPaths.DEPLOYMENTS).as(new TypeReference<List<DeploymentView>>() {});

    assertThat(all).extracting(DeploymentView::id).containsExactly(second.id(), first.id());
    assertThat(admin.get(ApiPaths.DEPLOYMENTS + "/999").status()).isEqualTo(404);
  }

  @Test
  void device_status_follows_what_devices_report() {
    TestHub.Device active = hub.enroll("active", Map.of());
    TestHub.Device failed = hub.enroll("failed", Map.of());
    TestHub.Device pending = hub.enroll("pending", Map.of());
    hub.publish("iris", 1);
    long id = hub.deploy("iris", 1, Map.of()).id();

    assertThat(active.report("iris", 1L, null, null).status()).isEqualTo(204);
    assertThat(failed.report("iris", null, 1L, "input shape mismatch").status()).isEqualTo(204);
    pending.report("iris", null, null, null);
    DeploymentView view = until(id, v -> v.counts().active() == 1 && v.counts().failed() == 1);

    assertThat(view.counts()).isEqualTo(new DeploymentView.Counts(3, 1, 0, 0, 1, 1, 0, 0, 0));
    assertThat(view.devices())
        .containsExactlyInAnyOrder(
            new DeviceRollout(active.id(), "active", 0, RolloutState.ACTIVE, 1L, null),
            new DeviceRollout(
                failed.id(), "failed", 0, RolloutState.FAILED, null, "input shape mismatch"),
            new DeviceRollout(
                pending.id(),
                "pending",
                0,
                RolloutState.PENDING,
                null,
                "given v1, not reported yet"));
    DeviceView reported = admin.get(ApiPaths.DEVICE + active.id()).as(DeviceView.class);
    assertThat(reported.reported().models().getFirst().activeVersion()).isEqualTo(1L);
  }

  /**
   * Regression: after a downgrade was refused (anti-rollback), the rollback to that same version
   * showed FAILED with the old refusal before the device had even seen it.
   */
  @Test
  void a_refusal_of_one_deployment_is_not_taken_for_a_later_one_of_the_same_version() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    hub.publish("iris", 1);
    hub.publish("iris", 2);
    hub.deploy("iris", 2, Map.of());
    long downgrade = hub.deploy("iris", 1, Map.of()).id();
    device.report("iris", 2L, 1L, "anti-rollback check failed", downgrade);
    awaitState(downgrade, device, RolloutState.FAILED);

    long rollback =
        admin
            .post(ApiPaths.DEPLOYMENTS, new DeploymentRequest("iris", 1, Map.of(), true))
            .as(DeploymentView.class)
            .id();

    assertThat(stateOf(get(rollback), device)).isEqualTo(RolloutState.PENDING);
    device.report("iris", 2L, 1L, "cannot load the model", rollback);
    awaitState(rollback, device, RolloutState.FAILED);
    device.report("iris", 1L, null, null, null);
    awaitState(rollback, device, RolloutState.ACTIVE);
  }

  @Test
  void a_newer_deployment_of_the_same_model_supersedes_the_older_one_per_device() {
    TestHub.Device arm = hub.enroll("arm", Map.of("arch", "arm64"));
    TestHub.Device x86 = hub.enroll("x86", Map.of("arch", "x86_64"));
    hub.publish("iris", 1);
    hub.publish("iris", 2);
    hub.publish("vad", 1);
    long old = hub.deploy("iris", 1, Map.of()).id();
    hub.deploy("iris", 2, Map.of("arch", "arm64"));
    hub.deploy("vad", 1, Map.of());
    x86.report("iris", 1L, null, null);

    DeploymentView view = until(old, v -> v.counts().active() == 1 && v.counts().superseded() == 1);

    assertThat(stateOf(view, arm)).isEqualTo(RolloutState.SUPERSEDED);
    assertThat(stateOf(view, x86)).isEqualTo(RolloutState.ACTIVE);
    assertThat(view.counts()).isEqualTo(new DeploymentView.Counts(2, 0, 0, 0, 1, 0, 0, 1, 0));
  }

  @Test
  void a_selector_with_an_invalid_key_is_400() {
    hub.publish("iris", 1);

    HubClient.Reply reply =
        admin.post(ApiPaths.DEPLOYMENTS, new DeploymentRequest("iris", 1, Map.of("", "x"), false));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("selector");
  }
}
