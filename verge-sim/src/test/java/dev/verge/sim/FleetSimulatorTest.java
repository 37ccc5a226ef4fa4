package dev.verge.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.mqtt.MosquittoBroker;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.hub.push.PushConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulator against a real hub: a canary and waves reach every simulated device; in push mode,
 * through a real mosquitto reading the hub's broker files.
 */
class FleetSimulatorTest {
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private KeyPair publisher;
  private Path publisherKey;
  private Hub hub;
  private MosquittoBroker broker;

  @BeforeEach
  void start() {
    publisher = Keys.generate();
    publisherKey = Keys.writePair(publisher, dir.resolve("keys"), "publisher").publicKey();
    hub = Hub.start(config());
  }

  private HubConfig config() {
    return HubConfig.defaults(dir.resolve("hub"))
        .withPort(0)
        .withTrustedKeys(List.of(publisherKey));
  }

  /** The hub again, pushing through a mosquitto that reads the files it writes. */
  private void restartWithPush() {
    hub.close();
    Path files = dir.resolve("broker-files");
    broker = MosquittoBroker.startWithFiles(dir.resolve("broker"), files);
    hub =
        Hub.start(
            config()
                .withPush(
                    PushConfig.of(broker.url()).withBrokerFiles(files, broker.reloadCommand())));
  }

  @AfterEach
  void stop() {
    hub.close();
    if (broker != null) {
      broker.close();
    }
  }

  private static void await(String what, Supplier<Object> state, BooleanSupplier done)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("%s: %s", what, state.get()).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private ModelVersionView publish(long version) throws Exception {
    Path model = Files.write(dir.resolve("model-" + version), new byte[64 * 1024]);
    Path bundle = dir.resolve("pump-" + version + ".vbundle");
    BundleWriter.create(
        new BundleWriter.Spec(
            "pump",
            version,
            model,
            List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L))),
            List.of(new TensorSpec("output", DataType.FP32, List.of(-1L, 3L))),
            Map.of(),
            Map.of()),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, publisher.getPrivate());
    HttpResponse<byte[]> reply =
        http.send(
            admin(ApiPaths.MODELS)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofFile(bundle))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(reply.statusCode()).isEqualTo(201);
    return Json.read(reply.body(), ModelVersionView.class);
  }

  private DeploymentView deploy(DeploymentRequest request) throws Exception {
    HttpResponse<byte[]> reply =
        http.send(
            admin(ApiPaths.DEPLOYMENTS)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(request)))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(reply.statusCode()).as(new String(reply.body())).isEqualTo(201);
    return Json.read(reply.body(), DeploymentView.class);
  }

  private DeploymentView deployment(long id) throws Exception {
    HttpResponse<byte[]> reply =
        http.send(
            admin(ApiPaths.deployment(id)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    return Json.read(reply.body(), DeploymentView.class);
  }

  private HttpRequest.Builder admin(String path) {
    return HttpRequest.newBuilder(URI.create(hub.url() + path))
        .header("Authorization", "Bearer " + hub.adminToken());
  }

  @Test
  void a_canary_and_waves_reach_every_simulated_device_which_fetch_and_check_the_bundle()
      throws Exception {
    ModelVersionView v1 = publish(1);
    try (FleetSimulator sim =
        FleetSimulator.start(
            SimOptions.defaults(hub.url(), hub.adminToken(), 40)
                .withWaitSeconds(5)
                .withInstalls(Duration.ofMillis(20), 0),
            n -> {})) {
      DeploymentView created =
          deploy(
              new DeploymentRequest(
                  "pump",
                  1,
                  "",
                  false,
                  0,
                  new RolloutPlan(
                      "1",
                      List.of("50%", "100%"),
                      Duration.ZERO,
                      List.of(),
                      null,
                      null,
                      null,
                      null),
                  null,
                  null,
                  false));

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (deployment(created.id()).state() != RolloutPhase.COMPLETED) {
        assertThat(System.nanoTime()).as("%s", sim.snapshot()).isLessThan(deadline);
        Thread.sleep(50);
      }

      FleetSimulator.Snapshot s = sim.snapshot();
      assertThat(sim.running("pump", 1)).isEqualTo(40);
      assertThat(s.active()).containsExactly(Map.entry("pump:1", 40));
      assertThat(s.downloads()).isEqualTo(40);
      assertThat(s.downloadedBytes()).isEqualTo(40 * v1.bundleSize());
      assertThat(s.errors()).as(s.lastError() == null ? "" : s.lastError()).isZero();
      assertThat(deployment(created.id()).counts().active()).isEqualTo(40);
    }
  }

  /**
   * A process here holds at most some 20,000 open files, so a fleet of 100,000 cannot give each
   * device a connection: they poll through a shared, bounded set of request slots.
   */
  @Test
  void more_devices_than_request_slots_poll_through_the_slots_and_all_converge() throws Exception {
    publish(1);
    try (FleetSimulator sim =
        FleetSimulator.start(
            SimOptions.defaults(hub.url(), hub.adminToken(), 30)
                .withPlainPolls(Duration.ofMillis(200), 3),
            n -> {})) {
      DeploymentView created = deploy(new DeploymentRequest("pump", 1, Map.of(), false));

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (deployment(created.id()).state() != RolloutPhase.COMPLETED) {
        assertThat(System.nanoTime()).as("%s", sim.snapshot()).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(sim.running("pump", 1)).isEqualTo(30);
      assertThat(sim.snapshot().errors()).isZero();
    }
  }

  @Test
  void installs_that_fail_are_reported_failed_and_the_old_version_kept() throws Exception {
    publish(1);
    try (FleetSimulator sim =
        FleetSimulator.start(
            SimOptions.defaults(hub.url(), hub.adminToken(), 10)
                .withWaitSeconds(5)
                .withInstalls(Duration.ZERO, 1.0),
            n -> {})) {
      DeploymentView created = deploy(new DeploymentRequest("pump", 1, Map.of(), false));

      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (deployment(created.id()).counts().failed() < 10) {
        assertThat(System.nanoTime()).as("%s", sim.snapshot()).isLessThan(deadline);
        Thread.sleep(50);
      }
      assertThat(sim.running("pump", 1)).isZero();
      assertThat(sim.snapshot().failedInstalls()).isEqualTo(10);
    }
  }

  @Test
  void pushed_devices_hear_a_deployment_and_a_label_change_over_mqtt_and_never_long_poll()
      throws Exception {
    restartWithPush();
    publish(1);
    try (FleetSimulator sim =
        FleetSimulator.start(
            SimOptions.defaults(hub.url(), hub.adminToken(), 20).withPush(true), n -> {})) {
      await("20 devices subscribed", sim::snapshot, () -> sim.snapshot().pushConnected() == 20);
      await("the hub sees them present", sim::snapshot, () -> hub.push().present() == 20);
      long pollsOnConnect = sim.snapshot().polls();

      DeploymentView created = deploy(new DeploymentRequest("pump", 1, Map.of(), false));
      await(
          "the deployment completed",
          sim::snapshot,
          () -> uncheckedState(created.id()) == RolloutPhase.COMPLETED);

      FleetSimulator.Snapshot deployed = sim.snapshot();
      assertThat(sim.running("pump", 1)).isEqualTo(20);
      assertThat(deployed.pushMessages()).isGreaterThanOrEqualTo(20);
      assertThat(deployed.polls()).isGreaterThan(pollsOnConnect);
      assertThat(deployed.pushLatencyTotal().count()).isGreaterThanOrEqualTo(20);
      assertThat(deployed.pushLatencyNewTotal().count()).as("the new state").isEqualTo(20);

      // Every device's labels, one PATCH each: each is told, and asks (answered 304).
      for (String id : sim.deviceIds()) {
        HttpResponse<byte[]> reply =
            http.send(
                admin(ApiPaths.labels(id))
                    .header("Content-Type", "application/json")
                    .method(
                        "PATCH",
                        HttpRequest.BodyPublishers.ofByteArray(
                            Json.write(new LabelChange(Map.of("site", "north"), List.of()))))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(reply.statusCode()).as(new String(reply.body())).isEqualTo(200);
      }
      await(
          "every label change answered",
          sim::snapshot,
          () ->
              sim.snapshot().pushLatencyTotal().count()
                  >= deployed.pushLatencyTotal().count() + 20);

      FleetSimulator.Snapshot s = sim.snapshot();
      assertThat(s.longPolls()).as("no long poll while pushed").isZero();
      assertThat(s.pushDenied()).isZero();
      assertThat(s.unchanged()).isGreaterThanOrEqualTo(20);
      assertThat(s.pushLatencyNewTotal().count()).as("labels changed no state").isEqualTo(20);
      assertThat(s.pushLatencyTotal().p99Micros()).isPositive().isLessThan(10_000_000);
      assertThat(s.errors()).as(s.lastError() == null ? "" : s.lastError()).isZero();
    }
    // Closed with their wills: the hub hears every device go offline.
    await("the hub sees them gone", () -> hub.push().present(), () -> hub.push().present() == 0);
  }

  @Test
  void push_devices_long_poll_when_the_hub_pushes_nothing() throws Exception {
    publish(1);
    try (FleetSimulator sim =
        FleetSimulator.start(
            SimOptions.defaults(hub.url(), hub.adminToken(), 10).withWaitSeconds(5).withPush(true),
            n -> {})) {
      await("every device refused push", sim::snapshot, () -> sim.snapshot().pushDenied() == 10);
      await("long polls", sim::snapshot, () -> sim.snapshot().longPolls() >= 10);

      DeploymentView created = deploy(new DeploymentRequest("pump", 1, Map.of(), false));
      await(
          "the deployment completed",
          sim::snapshot,
          () -> uncheckedState(created.id()) == RolloutPhase.COMPLETED);
      FleetSimulator.Snapshot s = sim.snapshot();
      assertThat(sim.running("pump", 1)).isEqualTo(10);
      assertThat(s.pushConnected()).isZero();
      assertThat(s.pushMessages()).isZero();
      assertThat(s.errors()).as(s.lastError() == null ? "" : s.lastError()).isZero();
    }
  }

  private RolloutPhase uncheckedState(long id) {
    try {
      return deployment(id).state();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void a_wrong_admin_token_stops_the_start_with_a_clear_message() {
    assertThatThrownBy(
            () -> FleetSimulator.start(SimOptions.defaults(hub.url(), "not-the-token", 3), n -> {}))
        .isInstanceOf(SimulationException.class)
        .hasMessageContaining("the hub refused the admin token (401)");
  }
}
