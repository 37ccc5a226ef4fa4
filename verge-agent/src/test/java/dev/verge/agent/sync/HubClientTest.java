package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.store.Identity;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PushAccess;
import dev.verge.core.api.ReportedState;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class HubClientTest {
  private final FakeHub hub = new FakeHub();
  private final HubClient anonymous = new HubClient(hub.url());
  private final HubClient client =
      anonymous.as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL));

  @AfterEach
  void close() {
    anonymous.close();
    hub.close();
  }

  @Test
  void enrolls_with_the_one_time_token() {
    EnrollResponse response =
        anonymous.enroll(
            FakeHub.TOKEN, new EnrollRequest("edge-1", Map.of("site", "a"), "0.1", "linux"));

    assertThat(response).isEqualTo(new EnrollResponse(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL));
    assertThat(hub.enrollments)
        .containsExactly(new EnrollRequest("edge-1", Map.of("site", "a"), "0.1", "linux"));
  }

  @Test
  void a_refused_token_carries_the_hubs_reason_and_status() {
    assertThatThrownBy(
            () -> anonymous.enroll("wrong", new EnrollRequest("edge-1", null, "0.1", "linux")))
        .isInstanceOfSatisfying(
            HubRefusedException.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessage("cannot enroll: hub answered 401 enrollment token is unknown or used");
  }

  /**
   * The {@code n}th matching call. The fake hub records a call after answering it, so the client
   * can hold the answer a moment before the call is on the list.
   */
  private FakeHub.Call call(String method, String pathPart, int n) {
    Eventually.await(
        n + " " + method + " " + pathPart, () -> hub.calls(method, pathPart).size() >= n);
    return hub.calls(method, pathPart).get(n - 1);
  }

  @Test
  void push_access_is_the_hubs_answer_with_the_device_credential() {
    PushAccess access =
        new PushAccess(
            "tcp://broker:1883",
            FakeHub.DEVICE_ID,
            "fresh-password",
            PushAccess.desiredTopic(FakeHub.DEVICE_ID),
            PushAccess.presenceTopic(FakeHub.DEVICE_ID));
    hub.pushAccess = access;

    assertThat(client.pushAccess()).isEqualTo(new PushOffer.Granted(access));
    assertThat(call("POST", "/push", 1).status()).isEqualTo(200);
  }

  @Test
  void a_hub_without_push_or_older_than_push_offers_none() {
    hub.pushStatus = 409;
    assertThat(client.pushAccess())
        .isEqualTo(new PushOffer.None(409, "this hub pushes nothing: no MQTT broker configured"));

    hub.pushStatus = 404;
    assertThat(client.pushAccess())
        .isEqualTo(new PushOffer.None(404, "the hub is older than push"));
  }

  @Test
  void push_access_with_a_wrong_credential_is_refused() {
    HubClient stranger = anonymous.as(new Identity(FakeHub.DEVICE_ID, "not-the-credential"));

    assertThatThrownBy(stranger::pushAccess)
        .isInstanceOfSatisfying(
            HubRefusedException.class, e -> assertThat(e.status()).isEqualTo(401))
        .hasMessageNotContaining("not-the-credential");
  }

  @Test
  void desired_state_answers_304_for_the_etag_it_gave() {
    hub.desire();

    DesiredPoll first = client.desired(null, Duration.ZERO);
    assertThat(first).isInstanceOf(DesiredPoll.Changed.class);
    String etag = ((DesiredPoll.Changed) first).etag();
    DesiredPoll second = client.desired(etag, Duration.ZERO);

    assertThat(etag).isEqualTo("\"" + hub.desired().revision() + "\"");
    assertThat(second).isInstanceOf(DesiredPoll.Unchanged.class);
    assertThat(call("GET", "/desired", 2).ifNoneMatch()).isEqualTo(etag);
  }

  @Test
  void long_poll_asks_the_hub_to_wait() {
    client.desired(null, Duration.ofSeconds(5));

    assertThat(call("GET", "/desired", 1).query()).isEqualTo("waitSeconds=5");
  }

  @Test
  void reports_and_forwards_with_the_device_credential() {
    ReportedState state = new ReportedState("0.1", List.of(), 3, 1);

    client.report(state);
    BatchAck ack = client.sendPredictions("dev-1:1-0", new PredictionBatch(List.of()));

    assertThat(hub.reports).containsExactly(state);
    assertThat(ack).isEqualTo(new BatchAck(0, false));
    assertThat(call("POST", "/predictions", 1).idempotencyKey()).isEqualTo("dev-1:1-0");
  }

  @Test
  void server_errors_are_unavailable_not_refused() {
    hub.failPredictionBatches.set(1);

    assertThatThrownBy(() -> client.sendPredictions("k", new PredictionBatch(List.of())))
        .isInstanceOf(HubUnavailableException.class)
        .hasMessageContaining("500 database is down");
  }

  @Test
  void an_unreachable_hub_is_unavailable_and_names_the_call() throws IOException {
    URI closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
    try (HubClient nowhere = new HubClient(closed)) {
      HubClient device = nowhere.as(new Identity("dev-1", "secret"));

      assertThatThrownBy(() -> device.desired(null, Duration.ZERO))
          .isInstanceOf(HubUnavailableException.class)
          .hasMessageStartingWith("cannot get the desired state: hub " + closed + " is unreachable")
          .hasMessageNotContaining("secret");
    }
  }

  @Test
  void a_client_without_identity_can_only_enroll() {
    assertThatThrownBy(() -> anonymous.desired(null, Duration.ZERO))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("enroll first");
  }

  /**
   * Issue 9, "sync never hangs": the HTTP client's time-out covers only the answer's headers, so a
   * desired state whose body stopped midway held the sync loop for ever.
   */
  @Test
  void an_answer_whose_body_stops_midway_fails_within_the_request_time_out() throws Exception {
    Duration timeout = Duration.ofMillis(500);
    try (StoppingServer stopping = new StoppingServer(new byte[1000], 10);
        HubClient stalled =
            new HubClient(stopping.url(), timeout)
                .as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL))) {
      long started = System.nanoTime();

      assertThatThrownBy(() -> stalled.desired(null, Duration.ZERO))
          .isInstanceOf(HubUnavailableException.class)
          .hasMessageContaining("cannot get the desired state")
          .hasMessageContaining("sent no complete answer within 500 ms");
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(timeout);
    }
  }

  @Test
  void an_answer_larger_than_allowed_is_refused_without_reading_it_all() throws Exception {
    byte[] huge = new byte[HubClient.MAX_ANSWER_BYTES + 1024];
    try (StoppingServer large = new StoppingServer(huge, huge.length);
        HubClient toLarge =
            new HubClient(large.url()).as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL))) {
      assertThatThrownBy(() -> toLarge.desired(null, Duration.ZERO))
          .isInstanceOf(HubUnavailableException.class)
          .hasMessageContaining("larger than the " + HubClient.MAX_ANSWER_BYTES + " bytes allowed");
    }
  }
}
