package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DevicePage;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnrollmentTest {
  @TempDir Path dir;
  TestHub hub;

  /** The hub every test runs on: SQLite here, PostgreSQL in {@code PostgresEnrollmentTest}. */
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

  private static EnrollRequest request(String name) {
    return new EnrollRequest(name, Map.of("site", "lab"), "0.1.0", "linux-aarch64");
  }

  @Test
  void an_enrollment_token_enrolls_one_device_only() {
    HubClient withToken = hub.client(hub.enrollmentToken());

    HubClient.Reply first = withToken.post(ApiPaths.ENROLL, request("edge-1"));
    HubClient.Reply second = withToken.post(ApiPaths.ENROLL, request("edge-2"));

    assertThat(first.status()).isEqualTo(201);
    EnrollResponse enrolled = first.as(EnrollResponse.class);
    assertThat(enrolled.deviceId()).matches("dev-[0-9a-f]{12}");
    assertThat(enrolled.credential()).startsWith("vdev_");
    assertThat(second.status()).isEqualTo(401);
    assertThat(second.error()).contains("enrollment token");
    assertThat(hub.admin().get(ApiPaths.DEVICES).as(DevicePage.class).items()).hasSize(1);
  }

  @Test
  void an_expired_enrollment_token_is_401() {
    HubClient withToken = hub.client(hub.enrollmentToken());
    hub.clock.advance(Duration.ofHours(24).plusSeconds(1));

    HubClient.Reply reply = withToken.post(ApiPaths.ENROLL, request("late"));

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
  }

  @Test
  void an_unknown_or_missing_enrollment_token_is_401() {
    assertThat(hub.client("venr_made-up").post(ApiPaths.ENROLL, request("x")).status())
        .isEqualTo(401);
    assertThat(hub.anonymous().post(ApiPaths.ENROLL, request("x")).status()).isEqualTo(401);
  }

  @Test
  void concurrent_enrollments_with_one_token_admit_exactly_one() throws Exception {
    HubClient withToken = hub.client(hub.enrollmentToken());
    int attempts = 8;
    CountDownLatch go = new CountDownLatch(1);
    List<Callable<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < attempts; i++) {
      String name = "racer-" + i;
      calls.add(
          () -> {
            go.await();
            return withToken.post(ApiPaths.ENROLL, request(name)).status();
          });
    }
    List<Integer> statuses = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(attempts)) {
      List<Future<Integer>> futures = calls.stream().map(pool::submit).toList();
      go.countDown();
      for (Future<Integer> f : futures) {
        statuses.add(f.get());
      }
    }

    assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 401).hasSize(attempts - 1);
  }

  @Test
  void enrolled_devices_are_listed_with_their_labels() {
    TestHub.Device device = hub.enroll("edge-1", Map.of("site", "lab", "arch", "arm64"));

    DeviceView view = hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class);

    assertThat(view.id()).isEqualTo(device.id());
    assertThat(view.name()).isEqualTo("edge-1");
    assertThat(view.labels())
        .containsExactlyInAnyOrderEntriesOf(Map.of("site", "lab", "arch", "arm64"));
    assertThat(view.enrolledAt()).isEqualTo(hub.clock.instant());
    assertThat(view.reported()).isNull();
    assertThat(view.predictionsSynced()).isZero();
    assertThat(hub.admin().get(ApiPaths.DEVICE + "dev-000000000000").status()).isEqualTo(404);
  }

  @Test
  void an_empty_token_request_gets_the_default_ttl() {
    HubClient.Reply reply = hub.admin().postText(ApiPaths.ENROLLMENT_TOKENS, "");

    assertThat(reply.status()).isEqualTo(201);
    EnrollmentToken token = reply.as(EnrollmentToken.class);
    assertThat(token.token()).startsWith("venr_");
    assertThat(token.expiresAt()).isEqualTo(hub.clock.instant().plus(Duration.ofHours(24)));
  }

  @Test
  void a_token_ttl_out_of_range_is_400() {
    HubClient.Reply reply =
        hub.admin().post(ApiPaths.ENROLLMENT_TOKENS, new EnrollmentTokenRequest(0L, null));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("ttlSeconds");
  }

  @Test
  void a_refused_enrollment_does_not_use_up_the_token() {
    HubClient withToken = hub.client(hub.enrollmentToken());
    EnrollRequest badLabels = new EnrollRequest("edge", Map.of("bad key!", "x"), null, null);

    HubClient.Reply refused = withToken.post(ApiPaths.ENROLL, badLabels);
    HubClient.Reply accepted = withToken.post(ApiPaths.ENROLL, request("edge"));

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.error()).contains("bad key!");
    assertThat(accepted.status()).isEqualTo(201);
  }
}
