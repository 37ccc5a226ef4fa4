package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.core.api.SideBySideVersion;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A deployment that serves its version beside the model's default one instead of replacing it. */
class SideBySideDeploymentTest {
  @TempDir Path dir;
  TestHub hub;
  TestHub.Device device;

  /**
   * The hub every test runs on: SQLite here, PostgreSQL in {@code
   * PostgresSideBySideDeploymentTest}.
   */
  TestHub startHub(Path dir) {
    return TestHub.start(dir);
  }

  @BeforeEach
  void start() {
    hub = startHub(dir);
    for (long v = 1; v <= 3; v++) {
      hub.publish("pump", v);
    }
    device = hub.enroll("edge", Map.of("site", "lab"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private DesiredState desired() {
    HubClient.Reply reply = device.http().get(ApiPaths.desired(device.id()));
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    return reply.as(DesiredState.class);
  }

  private DeploymentView sideBySide(long version) {
    HubClient.Reply reply = hub.admin().post(ApiPaths.DEPLOYMENTS, request(version, null, null));
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    return reply.as(DeploymentView.class);
  }

  private static DeploymentRequest request(
      long version, RolloutPlan plan, MaintenanceWindow window) {
    return new DeploymentRequest("pump", version, "site=lab", false, 0, plan, window, null, true);
  }

  private void report(long active, List<SideBySideVersion> beside) {
    ModelReport model =
        new ModelReport(
            "pump", active, List.of(active), null, null, null, null, null, beside, List.of());
    HubClient.Reply reply =
        device
            .http()
            .put(ApiPaths.reported(device.id()), new ReportedState("t", List.of(model), 0, 0));
    assertThat(reply.status()).as("%s", reply).isIn(200, 204);
  }

  @Test
  void a_side_by_side_version_is_desired_beside_the_default_one_which_it_leaves_alone() {
    hub.deploy("pump", 3, Map.of("site", "lab"));
    String before = desired().revision();

    DeploymentView beside = sideBySide(1);

    DesiredState state = desired();
    assertThat(beside.sideBySide()).isTrue();
    assertThat(state.models()).extracting(DesiredModel::version).containsExactly(3L);
    assertThat(state.sideBySide())
        .extracting(DesiredModel::name, DesiredModel::version, DesiredModel::deploymentId)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("pump", 1L, beside.id()));
    assertThat(state.revision()).isNotEqualTo(before);
  }

  @Test
  void a_newer_default_deployment_does_not_supersede_a_side_by_side_one() {
    DeploymentView beside = sideBySide(1);
    hub.deploy("pump", 3, Map.of("site", "lab"));

    assertThat(desired().models()).extracting(DesiredModel::version).containsExactly(3L);
    assertThat(desired().sideBySide()).extracting(DesiredModel::version).containsExactly(1L);
    report(
        3, List.of(new SideBySideVersion(1, beside.id(), SideBySideVersion.State.SERVING, null)));
    DeploymentView done = hub.until(beside.id(), v -> v.state() == RolloutPhase.COMPLETED);
    assertThat(done.devices()).extracting(d -> d.state()).containsExactly(RolloutState.ACTIVE);
  }

  @Test
  void a_version_the_default_already_is_is_not_desired_twice() {
    sideBySide(2);
    hub.deploy("pump", 2, Map.of("site", "lab"));

    assertThat(desired().models()).extracting(DesiredModel::version).containsExactly(2L);
    assertThat(desired().sideBySide()).isEmpty();
  }

  @Test
  void rolling_a_side_by_side_deployment_back_stops_serving_its_version_only() {
    hub.deploy("pump", 3, Map.of("site", "lab"));
    DeploymentView beside = sideBySide(1);
    report(
        3, List.of(new SideBySideVersion(1, beside.id(), SideBySideVersion.State.SERVING, null)));
    hub.until(beside.id(), v -> v.state() == RolloutPhase.COMPLETED);

    HubClient.Reply reply =
        hub.admin().postText(ApiPaths.rolloutAction(beside.id(), ApiPaths.ROLLBACK), "");

    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    assertThat(desired().sideBySide()).isEmpty();
    assertThat(desired().models()).extracting(DesiredModel::version).containsExactly(3L);
    report(3, List.of());
    DeploymentView back = hub.until(beside.id(), v -> v.state() == RolloutPhase.ROLLED_BACK);
    assertThat(back.devices()).extracting(d -> d.state()).containsExactly(RolloutState.ROLLED_BACK);
  }

  @Test
  void a_device_that_refuses_the_version_beside_is_failed_with_its_reason() {
    DeploymentView beside = sideBySide(2);
    report(
        3,
        List.of(
            new SideBySideVersion(
                2, beside.id(), SideBySideVersion.State.FAILED, "signature check failed: x")));

    DeploymentView failed = hub.until(beside.id(), v -> v.counts().failed() == 1);
    assertThat(failed.devices().getFirst().reason()).contains("signature check failed");
  }

  @Test
  void a_side_by_side_deployment_refuses_what_steers_a_replacement_naming_it() {
    RolloutPlan plan =
        new RolloutPlan(
            "1",
            List.of("100%"),
            Duration.ofMinutes(1),
            Gate.parseList("error_rate<1%"),
            RolloutPlan.OnFail.ROLLBACK,
            null,
            null,
            null);
    MaintenanceWindow window = new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null);

    HubClient.Reply withPlan = hub.admin().post(ApiPaths.DEPLOYMENTS, request(1, plan, null));
    HubClient.Reply withWindow = hub.admin().post(ApiPaths.DEPLOYMENTS, request(1, null, window));
    HubClient.Reply withRollback =
        hub.admin()
            .post(
                ApiPaths.DEPLOYMENTS,
                new DeploymentRequest("pump", 1, "", true, 0, null, null, null, true));

    assertThat(withPlan.status()).isEqualTo(400);
    assertThat(withPlan.error()).contains("side-by-side").contains("rollout plan");
    assertThat(withWindow.status()).isEqualTo(400);
    assertThat(withWindow.error()).contains("maintenance window");
    assertThat(withRollback.status()).isEqualTo(400);
    assertThat(withRollback.error()).contains("rollback");
  }

  @Test
  void a_downloading_version_beside_shows_as_downloading() {
    DeploymentView beside = sideBySide(2);
    report(
        3,
        List.of(new SideBySideVersion(2, beside.id(), SideBySideVersion.State.DOWNLOADING, null)));

    hub.until(beside.id(), v -> v.counts().downloading() == 1);
  }

  @Test
  void a_device_that_unloaded_the_model_locally_is_pending_with_that_reason() {
    DeploymentView deployment = hub.deploy("pump", 3, Map.of("site", "lab"));
    ModelReport model =
        new ModelReport(
            "pump",
            null,
            List.of(3L),
            null,
            null,
            null,
            null,
            null,
            List.of(),
            List.of(
                new dev.verge.core.api.LocalChange(
                    dev.verge.core.api.LocalChange.Action.UNLOADED,
                    null,
                    java.time.Instant.EPOCH)));
    device.http().put(ApiPaths.reported(device.id()), new ReportedState("t", List.of(model), 0, 0));

    DeploymentView view =
        hub.until(
            deployment.id(),
            v ->
                v.devices().getFirst().reason() != null
                    && v.devices().getFirst().reason().contains("local API"));
    assertThat(view.devices().getFirst().state()).isEqualTo(RolloutState.PENDING);
    assertThat(view.devices().getFirst().reason())
        .contains("unloaded on the device")
        .contains("next change of its desired state");
  }

  @Test
  void explain_shows_the_versions_beside_the_winner() {
    DeploymentView winner = hub.deploy("pump", 3, Map.of("site", "lab"));
    DeploymentView beside = sideBySide(1);

    dev.verge.core.api.DeviceExplanation explanation =
        hub.admin()
            .get(ApiPaths.DEVICE + device.id() + ApiPaths.EXPLAIN_SUFFIX)
            .as(dev.verge.core.api.DeviceExplanation.class);

    var choice = explanation.models().getFirst();
    assertThat(choice.winner().deploymentId()).isEqualTo(winner.id());
    assertThat(choice.overridden()).isEmpty();
    assertThat(choice.beside())
        .extracting(c -> c.deploymentId(), c -> c.version())
        .containsExactly(org.assertj.core.groups.Tuple.tuple(beside.id(), 1L));
  }
}
