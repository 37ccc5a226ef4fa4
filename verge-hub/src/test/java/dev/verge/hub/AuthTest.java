package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.ReportedState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthTest {
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

  @Test
  void missing_token_is_401_with_a_json_error_and_www_authenticate() {
    HubClient.Reply reply = hub.anonymous().get(ApiPaths.MODELS);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(reply.header("Content-Type")).isEqualTo("application/json");
    assertThat(reply.error()).contains("Authorization");
    assertThat(reply.code()).isEqualTo("UNAUTHORIZED");
  }

  @Test
  void wrong_token_is_401() {
    HubClient.Reply reply = hub.client("vadm_not-the-token").get(ApiPaths.DEVICES);

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(reply.error()).contains("not valid");
  }

  @Test
  void other_scheme_than_bearer_is_401() {
    HubClient.Reply reply =
        hub.anonymous()
            .send(
                "GET",
                ApiPaths.MODELS,
                java.net.http.HttpRequest.BodyPublishers.noBody(),
                "Authorization",
                "Basic " + hub.hub().adminToken());

    assertThat(reply.status()).isEqualTo(401);
    assertThat(reply.error()).contains("Bearer");
  }

  @Test
  void a_device_touching_another_device_is_403() {
    TestHub.Device alice = hub.enroll("alice", Map.of());
    TestHub.Device bob = hub.enroll("bob", Map.of());

    HubClient.Reply desired = alice.http().get(ApiPaths.desired(bob.id()));
    HubClient.Reply reported =
        alice.http().put(ApiPaths.reported(bob.id()), new ReportedState("x", List.of(), 0, 0));
    HubClient.Reply predictions =
        alice
            .http()
            .post(
                ApiPaths.predictions(bob.id()),
                new PredictionBatch(List.of()),
                ApiPaths.IDEMPOTENCY_KEY,
                "k1");

    assertThat(List.of(desired.status(), reported.status(), predictions.status()))
        .containsOnly(403);
    assertThat(desired.error()).contains(alice.id()).contains(bob.id());
    assertThat(desired.code()).isEqualTo("FORBIDDEN");
  }

  @Test
  void a_device_credential_on_the_management_api_is_403() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    HubClient.Reply reply = device.http().get(ApiPaths.DEVICES);

    assertThat(reply.status()).isEqualTo(403);
    assertThat(reply.error()).contains("management API");
  }

  @Test
  void the_admin_token_cannot_act_as_a_device() {
    TestHub.Device device = hub.enroll("edge", Map.of());

    assertThat(hub.admin().get(ApiPaths.desired(device.id())).status()).isEqualTo(403);
  }

  @Test
  void device_calls_update_last_seen() {
    TestHub.Device device = hub.enroll("edge", Map.of());
    hub.clock.advance(Duration.ofMinutes(5));

    assertThat(device.http().get(ApiPaths.desired(device.id())).status()).isEqualTo(200);

    DeviceView view = hub.admin().get(ApiPaths.DEVICE + device.id()).as(DeviceView.class);
    assertThat(view.lastSeenAt()).isEqualTo(hub.clock.instant());
  }
}
