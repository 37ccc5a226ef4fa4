package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DesiredState;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.RolloutPhase;
import dev.verge.hub.store.PostgresServer;
import dev.verge.hub.store.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hubs on one PostgreSQL database and one bundles folder, each with its own data folder: any of
 * them answers any device and any operator, whichever hub the work started on.
 */
class TwoHubsOnePostgresTest {
  @TempDir Path dir;
  TestHub a;
  TestHub b;
  HubClient adminAtB;

  @BeforeEach
  void start() {
    PostgresServer store = TestPostgres.freshDatabase();
    TestBundles bundles = new TestBundles(dir.resolve("publisher"));
    Path shared = dir.resolve("shared-bundles");
    a = TestHub.start(dir, config(dir.resolve("hub-a"), store, shared, bundles), bundles);
    b = TestHub.start(dir, config(dir.resolve("hub-b"), store, shared, bundles), bundles);
    b.useAdminToken(a.hub().adminToken());
    adminAtB = b.admin();
  }

  private static HubConfig config(
      Path data, PostgresServer store, Path shared, TestBundles bundles) {
    return HubConfig.defaults(data)
        .withPort(0)
        .withTrustedKeys(List.of(bundles.publicKey()))
        .withPostgres(store)
        .withBundlesDir(shared);
  }

  @AfterEach
  void stop() {
    a.close();
    b.close();
  }

  @Test
  void the_second_hub_takes_the_first_hubs_admin_token_and_writes_no_token_of_its_own() {
    assertThat(a.hub().adminToken()).isNotBlank();
    assertThat(b.hub().adminToken()).isNull();
    assertThat(Files.exists(dir.resolve("hub-b").resolve("admin.token"))).isFalse();
    assertThat(adminAtB.get(ApiPaths.DEVICES).status()).isEqualTo(200);
  }

  @Test
  void a_version_published_at_one_hub_reaches_a_device_that_only_talks_to_the_other() {
    ModelVersionView pump = a.publish("pump", 1);
    HubClient.Reply enrolled =
        b.client(a.enrollmentToken())
            .post(ApiPaths.ENROLL, new EnrollRequest("edge", Map.of(), "test-agent", "linux"));
    assertThat(enrolled.status()).as("%s", enrolled).isEqualTo(201);
    EnrollResponse device = enrolled.as(EnrollResponse.class);
    HubClient deviceAtB = b.client(device.credential());

    DeploymentView deployment = a.deploy("pump", 1, Map.of());

    HubClient.Reply desired = deviceAtB.get(ApiPaths.desired(device.deviceId()));
    assertThat(desired.status()).as("%s", desired).isEqualTo(200);
    assertThat(desired.as(DesiredState.class).models())
        .singleElement()
        .satisfies(m -> assertThat(m.bundleDigest()).isEqualTo(pump.bundleDigest()));
    HubClient.Reply bundle = deviceAtB.get(ApiPaths.bundle(pump.bundleDigest()));
    assertThat(bundle.status()).isEqualTo(200);
    assertThat(bundle.body()).hasSize((int) pump.bundleSize());

    TestHub.Device atB = new TestHub.Device(device.deviceId(), device.credential(), deviceAtB);
    assertThat(atB.report("pump", 1L, null, null).status()).isIn(200, 204);
    DeploymentView done = b.until(deployment.id(), v -> v.state() == RolloutPhase.COMPLETED);
    assertThat(done.counts().active()).isEqualTo(1);
    HubClient.Reply seenAtA = a.admin().get(ApiPaths.deployment(deployment.id()));
    assertThat(seenAtA.as(DeploymentView.class).state()).isEqualTo(RolloutPhase.COMPLETED);
  }

  private record Enrolled(String id, HubClient atB) {}

  private Enrolled enrollAtB() {
    HubClient.Reply enrolled =
        b.client(a.enrollmentToken())
            .post(ApiPaths.ENROLL, new EnrollRequest("edge", Map.of(), "test-agent", "linux"));
    assertThat(enrolled.status()).as("%s", enrolled).isEqualTo(201);
    EnrollResponse device = enrolled.as(EnrollResponse.class);
    return new Enrolled(device.deviceId(), b.client(device.credential()));
  }

  /**
   * Hub B answers an unchanged poll from memory; a deployment made through hub A must reach B's
   * memory (PostgreSQL's NOTIFY from the tables' triggers), or B would answer 304 for ever.
   */
  @Test
  void a_change_made_at_one_hub_ends_what_the_other_remembers() {
    a.publish("pump", 1);
    Enrolled device = enrollAtB();
    String etag = device.atB().get(ApiPaths.desired(device.id())).header("ETag");
    assertThat(device.atB().get(ApiPaths.desired(device.id()), "If-None-Match", etag).status())
        .isEqualTo(304);

    a.deploy("pump", 1, Map.of());

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    HubClient.Reply reply;
    do {
      reply = device.atB().get(ApiPaths.desired(device.id()), "If-None-Match", etag);
    } while (reply.status() == 304 && System.nanoTime() < deadline);
    assertThat(reply.status()).as("B still remembers the old state: %s", reply).isEqualTo(200);
    assertThat(reply.as(DesiredState.class).models()).hasSize(1);
  }

  @Test
  void a_long_poll_at_one_hub_wakes_soon_after_a_deployment_made_at_the_other() throws Exception {
    a.publish("pump", 1);
    Enrolled device = enrollAtB();
    String etag = device.atB().get(ApiPaths.desired(device.id())).header("ETag");
    CompletableFuture<HubClient.Reply> poll =
        CompletableFuture.supplyAsync(
            () ->
                device
                    .atB()
                    .get(ApiPaths.desired(device.id()) + "?waitSeconds=60", "If-None-Match", etag));
    Thread.sleep(300); // The poll is waiting at B.

    long deployed = System.nanoTime();
    a.deploy("pump", 1, Map.of());
    HubClient.Reply reply = poll.get(60, TimeUnit.SECONDS);
    long tookMillis = (System.nanoTime() - deployed) / 1_000_000;

    assertThat(reply.status()).isEqualTo(200);
    // Remembered revisions are trusted while B listens, so B re-reads on nothing but a
    // notification: without one this poll would wait its whole minute.
    assertThat(tookMillis).as("woken %d ms after the deployment", tookMillis).isLessThan(5_000);
  }

  /**
   * A hub that stops hearing the others (its listening connection killed) must not answer from
   * memory what it may have missed: it reads until it listens again, then forgets everything.
   */
  @Test
  void a_hub_whose_listening_connection_dies_misses_no_change_made_meanwhile() {
    a.publish("pump", 1);
    Enrolled device = enrollAtB();
    String etag = device.atB().get(ApiPaths.desired(device.id())).header("ETag");
    assertThat(device.atB().get(ApiPaths.desired(device.id()), "If-None-Match", etag).status())
        .isEqualTo(304);

    try (var db = a.openStore()) {
      long killed = TestPostgres.killListeners(db);
      assertThat(killed).isEqualTo(2); // A's and B's.
    }
    a.deploy("pump", 1, Map.of());

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    HubClient.Reply reply;
    do {
      reply = device.atB().get(ApiPaths.desired(device.id()), "If-None-Match", etag);
    } while (reply.status() == 304 && System.nanoTime() < deadline);
    assertThat(reply.status()).as("B answered from memory: %s", reply).isEqualTo(200);
  }

  @Test
  void a_second_hub_on_the_same_data_folder_is_refused_naming_it() {
    HubConfig same =
        HubConfig.defaults(dir.resolve("hub-a"))
            .withPort(0)
            .withPostgres(TestPostgres.freshDatabase());

    assertThatThrownBy(() -> Hub.start(same))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("another hub is running on the data folder " + dir.resolve("hub-a"))
        .hasMessageContaining("give this hub its own --data");
  }
}
