package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ReportedState;
import dev.verge.core.testing.TestClock;
import dev.verge.hub.store.Database;
import dev.verge.hub.store.TestPostgres;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** A real hub on a free loopback port over a temporary folder, with helpers for common steps. */
final class TestHub implements AutoCloseable {
  final Path dir;
  final TestBundles bundles;
  final TestClock clock = new TestClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final HubConfig config;
  private Hub hub;
  private String adminToken;

  private TestHub(Path dir, HubConfig config, TestBundles bundles) {
    this.dir = dir;
    this.config = config;
    this.bundles = bundles;
    this.hub = Hub.start(config, clock);
  }

  static TestHub start(Path dir) {
    TestBundles bundles = new TestBundles(dir.resolve("publisher"));
    HubConfig config =
        HubConfig.defaults(dir.resolve("hub"))
            .withPort(0)
            .withTrustedKeys(List.of(bundles.publicKey()));
    return new TestHub(dir, config, bundles);
  }

  /** As {@link #start(Path)}, the tables in a new database of the test PostgreSQL server. */
  static TestHub startOnPostgres(Path dir) {
    TestBundles bundles = new TestBundles(dir.resolve("publisher"));
    HubConfig config =
        HubConfig.defaults(dir.resolve("hub"))
            .withPort(0)
            .withTrustedKeys(List.of(bundles.publicKey()))
            .withPostgres(TestPostgres.freshDatabase());
    return new TestHub(dir, config, bundles);
  }

  /** A second connection to this hub's store, for tests that look at what it wrote. */
  Database openStore() {
    return config.postgres() == null
        ? Database.openSqlite(config.dataDir().resolve(Hub.DATABASE_FILE))
        : Database.openPostgres(config.postgres());
  }

  /** A hub publishing with {@code bundles}' key, e.g. a second hub beside a first. */
  static TestHub start(Path dir, HubConfig config, TestBundles bundles) {
    return new TestHub(dir, config, bundles);
  }

  static TestHub start(Path dir, HubConfig config) {
    return new TestHub(dir, config, new TestBundles(dir.resolve("publisher")));
  }

  Hub hub() {
    return hub;
  }

  void restart() {
    hub.close();
    hub = Hub.start(config, clock);
  }

  /** Calls as the operator with {@code token} instead of this hub's own admin.token file. */
  void useAdminToken(String token) {
    adminToken = token;
  }

  HubClient admin() {
    return new HubClient(hub.url(), adminToken != null ? adminToken : hub.adminToken());
  }

  HubClient anonymous() {
    return new HubClient(hub.url(), null);
  }

  HubClient client(String token) {
    return new HubClient(hub.url(), token);
  }

  ModelVersionView publish(String name, long version) {
    HubClient.Reply reply = admin().postFile(ApiPaths.MODELS, bundles.signed(name, version));
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    return reply.as(ModelVersionView.class);
  }

  String enrollmentToken() {
    HubClient.Reply reply =
        admin().post(ApiPaths.ENROLLMENT_TOKENS, new EnrollmentTokenRequest(null, "test"));
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    return reply.as(EnrollmentToken.class).token();
  }

  /** An enrolled device and a client holding its credential. */
  record Device(String id, String credential, HubClient http) {
    HubClient.Reply report(String model, Long active, Long failed, String error) {
      return report(model, active, failed, error, null);
    }

    HubClient.Reply report(
        String model, Long active, Long failed, String error, Long failedDeployment) {
      ReportedState state =
          new ReportedState(
              "test-agent",
              List.of(
                  new ModelReport(
                      model,
                      active,
                      active == null ? List.of() : List.of(active),
                      failed,
                      error,
                      failedDeployment)),
              0,
              0);
      return http.put(ApiPaths.reported(id), state);
    }
  }

  Device enroll(String name, Map<String, String> labels) {
    HubClient.Reply reply =
        client(enrollmentToken())
            .post(ApiPaths.ENROLL, new EnrollRequest(name, labels, "test-agent", "linux-x86_64"));
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    EnrollResponse enrolled = reply.as(EnrollResponse.class);
    return new Device(enrolled.deviceId(), enrolled.credential(), client(enrolled.credential()));
  }

  DeploymentView deploy(String model, long version, Map<String, String> selector) {
    HubClient.Reply reply =
        admin().post(ApiPaths.DEPLOYMENTS, new DeploymentRequest(model, version, selector, false));
    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    return reply.as(DeploymentView.class);
  }

  /**
   * The deployment once {@code done} holds for it, polling for a few seconds: the rollout engine
   * takes device reports into account in its next iteration, which a report starts at once.
   */
  DeploymentView until(long id, Predicate<DeploymentView> done) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    DeploymentView view;
    do {
      HubClient.Reply reply = admin().get(ApiPaths.deployment(id));
      assertThat(reply.status()).as("%s", reply).isEqualTo(200);
      view = reply.as(DeploymentView.class);
      if (done.test(view)) {
        return view;
      }
      hub.rollouts().engine().nudge();
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    } while (System.nanoTime() < deadline);
    throw new AssertionError("deployment " + id + " never got there; last seen: " + view);
  }

  @Override
  public void close() {
    hub.close();
  }
}
