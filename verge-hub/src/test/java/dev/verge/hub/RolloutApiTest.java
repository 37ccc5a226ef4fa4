package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.Gate;
import dev.verge.core.api.RolloutAction;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollouts over HTTP: create with a plan, act on them, explain a device, refuse bad input. */
class RolloutApiTest {
  @TempDir Path dir;
  TestHub hub;
  HubClient admin;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresRolloutApiTest}. */
  TestHub startHub(Path dir) {
    return TestHub.start(dir);
  }

  @BeforeEach
  void start() {
    hub = startHub(dir);
    admin = hub.admin();
    hub.publish("iris", 1);
    hub.publish("iris", 2);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private static final RolloutPlan PLAN =
      new RolloutPlan(
          "1",
          List.of("100%"),
          Duration.ofMinutes(10),
          Gate.parseList("error_rate<1%,install_success>=99%"),
          RolloutPlan.OnFail.ROLLBACK,
          null,
          null,
          null);

  private DeploymentView create(DeploymentRequest request) {
    HubClient.Reply reply = admin.post(ApiPaths.DEPLOYMENTS, request);
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    return reply.as(DeploymentView.class);
  }

  /** Without a reason the body is empty, as the CLI sends it. */
  private HubClient.Reply act(long id, String action, String reason) {
    String path = ApiPaths.rolloutAction(id, action);
    return reason == null ? admin.postText(path, "") : admin.post(path, new RolloutAction(reason));
  }

  @Test
  void a_deployment_with_a_plan_starts_its_canary_and_lists_its_waves() {
    for (int i = 0; i < 3; i++) {
      hub.enroll("edge-" + i, Map.of("site", "plant-7"));
    }

    DeploymentView view =
        create(new DeploymentRequest("iris", 2, "site in (plant-7)", false, 5, PLAN, null, 2));

    assertThat(view.state()).isEqualTo(RolloutPhase.CANARY);
    assertThat(view.selector()).isEqualTo("site=plant-7");
    assertThat(view.priority()).isEqualTo(5);
    assertThat(view.plan()).isEqualTo(PLAN);
    assertThat(view.maxConcurrentDownloads()).isEqualTo(2);
    assertThat(view.waves())
        .extracting(DeploymentView.WaveView::name, DeploymentView.WaveView::devices)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("canary", 1),
            org.assertj.core.groups.Tuple.tuple("wave 1", 2));
    assertThat(view.transitions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.from()).isEqualTo(RolloutPhase.PENDING);
              assertThat(t.to()).isEqualTo(RolloutPhase.CANARY);
              assertThat(t.reason()).contains("canary starts with 1 device(s)");
            });
    assertThat(view.counts().targeted()).isEqualTo(3);
  }

  @Test
  void pause_resume_abort_and_rollback_answer_the_rollout_and_409_when_they_do_not_apply() {
    hub.enroll("edge", Map.of());
    long id = create(new DeploymentRequest("iris", 2, "", false, 0, PLAN, null, null)).id();

    HubClient.Reply paused = act(id, ApiPaths.PAUSE, "checking dashboards");
    assertThat(paused.status()).as("%s", paused).isEqualTo(200);
    assertThat(paused.as(DeploymentView.class).state()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(paused.as(DeploymentView.class).reason()).isEqualTo("checking dashboards");

    HubClient.Reply again = act(id, ApiPaths.PAUSE, null);
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.error()).contains("cannot pause").contains("PAUSED");

    assertThat(act(id, ApiPaths.RESUME, null).as(DeploymentView.class).state())
        .isEqualTo(RolloutPhase.CANARY);
    assertThat(act(id, ApiPaths.ROLLBACK, "bad numbers").as(DeploymentView.class).state())
        .isIn(RolloutPhase.ROLLING_BACK, RolloutPhase.ROLLED_BACK);
    HubClient.Reply abort = act(id, ApiPaths.ABORT, null);
    assertThat(abort.status()).isEqualTo(409);
    assertThat(act(999, ApiPaths.PAUSE, null).status()).isEqualTo(404);
  }

  @Test
  void abort_keeps_what_devices_got_and_starts_no_more_waves() {
    TestHub.Device a = hub.enroll("a", Map.of());
    TestHub.Device b = hub.enroll("b", Map.of());
    long id = create(new DeploymentRequest("iris", 2, "", false, 0, PLAN, null, null)).id();

    DeploymentView aborted = act(id, ApiPaths.ABORT, "wrong model").as(DeploymentView.class);

    assertThat(aborted.state()).isEqualTo(RolloutPhase.ABORTED);
    long given =
        List.of(a, b).stream()
            .filter(
                d ->
                    !d.http()
                        .get(ApiPaths.desired(d.id()))
                        .as(DesiredState.class)
                        .models()
                        .isEmpty())
            .count();
    assertThat(given).isEqualTo(1);
  }

  @Test
  void explain_shows_the_winning_deployment_and_the_ones_it_overrides() {
    TestHub.Device device = hub.enroll("edge", Map.of("site", "plant-7"));
    long site =
        create(new DeploymentRequest("iris", 1, "site=plant-7", false, 10, null, null, null)).id();
    long fleet = hub.deploy("iris", 2, Map.of()).id();

    HubClient.Reply reply = admin.get(ApiPaths.explain(device.id()));

    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    DeviceExplanation explained = reply.as(DeviceExplanation.class);
    assertThat(explained.models())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.winner().deploymentId()).isEqualTo(site);
              assertThat(m.winner().selector()).isEqualTo("site=plant-7");
              assertThat(m.overridden())
                  .extracting(DeviceExplanation.Candidate::deploymentId)
                  .containsExactly(fleet);
            });
    assertThat(device.http().get(ApiPaths.desired(device.id())).as(DesiredState.class).models())
        .singleElement()
        .satisfies(model -> assertThat(model.version()).isEqualTo(1));
    assertThat(admin.get(ApiPaths.explain("dev-unknown")).status()).isEqualTo(404);
    assertThat(device.http().get(ApiPaths.explain(device.id())).status()).isIn(401, 403);
  }

  @Test
  void bad_rollout_input_is_400_naming_the_field() {
    assertThat(
            admin
                .postText(
                    ApiPaths.DEPLOYMENTS,
                    "{\"model\":\"iris\",\"version\":2,\"rollout\":{\"canary\":\"lots\"}}")
                .error())
        .contains("rollout.canary");
    assertThat(
            admin
                .post(
                    ApiPaths.DEPLOYMENTS,
                    new DeploymentRequest("iris", 2, "site notin (", false, 0, null, null, null))
                .error())
        .contains("selector");
    HubClient.Reply limit =
        admin.post(
            ApiPaths.DEPLOYMENTS, new DeploymentRequest("iris", 2, "", false, 0, null, null, 0));
    assertThat(limit.status()).isEqualTo(400);
    assertThat(limit.error()).contains("maxConcurrentDownloads");
    HubClient.Reply gate =
        admin.postText(
            ApiPaths.DEPLOYMENTS,
            "{\"model\":\"iris\",\"version\":2,\"rollout\":{\"gates\":[{\"metric\":\"cpu\",\"op\":\"LT\",\"threshold\":1}]}}");
    assertThat(gate.status()).isEqualTo(400);
    assertThat(gate.error()).contains("cpu");
    HubClient.Reply window =
        admin.postText(
            ApiPaths.DEPLOYMENTS,
            "{\"model\":\"iris\",\"version\":2,\"window\":{\"start\":\"01:00\"}}");
    assertThat(window.status()).isEqualTo(400);
    assertThat(window.error()).contains("window");
    assertThat(admin.get(ApiPaths.DEPLOYMENTS).as(DeploymentView[].class)).isEmpty();
  }
}
