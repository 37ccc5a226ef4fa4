package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.store.Identity;
import dev.verge.agent.sync.DesiredPoll;
import dev.verge.agent.sync.HubClient;
import dev.verge.agent.sync.HubRefusedException;
import dev.verge.agent.sync.Sent;
import dev.verge.agent.sync.Upload;
import dev.verge.core.api.ApiError;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.LatencyBuckets;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.api.ReportedState;
import dev.verge.core.api.VersionStats;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Holds {@link FakeHub} to the real hub: the same device-API calls, made by the agent's own {@link
 * HubClient}, get the same statuses and error codes from both. A test that passes against the fake
 * therefore tells something about the real hub. {@code FakeHubContractTest} and {@code
 * RealHubContractTest} run it against each.
 */
abstract class HubContract {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** One side of the contract: a hub, a valid one-time token for it, its base URL. */
  interface Side extends AutoCloseable {
    URI url();

    String enrollmentToken();

    @Override
    void close();
  }

  abstract Side side();

  private Side side;
  private HubClient anonymous;

  private Side hub() {
    if (side == null) {
      side = side();
      anonymous = new HubClient(side.url());
    }
    return side;
  }

  @AfterEach
  void close() {
    if (side != null) {
      anonymous.close();
      side.close();
    }
  }

  private HubClient enrolled() {
    String token = hub().enrollmentToken();
    EnrollResponse enrolled =
        anonymous.enroll(token, new EnrollRequest("edge-1", Map.of(), "0.1", "linux"));
    return anonymous.as(new Identity(enrolled.deviceId(), enrolled.credential()));
  }

  private static HttpResponse<byte[]> raw(
      URI url, String method, String path, String bearer, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(url.resolve(path))
            .timeout(Duration.ofSeconds(10))
            .method(method, HttpRequest.BodyPublishers.ofString("{\"records\":[]}"))
            .header("Authorization", "Bearer " + bearer);
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void a_wrong_enrollment_token_is_401() {
    hub();
    assertThatThrownBy(
            () -> anonymous.enroll("wrong", new EnrollRequest("edge-1", Map.of(), "0.1", "linux")))
        .isInstanceOfSatisfying(
            HubRefusedException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void desired_state_has_an_etag_and_answers_304_for_it() {
    HubClient device = enrolled();

    DesiredPoll first = device.desired(null, Duration.ZERO);
    assertThat(first).isInstanceOf(DesiredPoll.Changed.class);
    DesiredPoll second = device.desired(((DesiredPoll.Changed) first).etag(), Duration.ZERO);

    assertThat(second).isInstanceOf(DesiredPoll.Unchanged.class);
  }

  @Test
  void reports_and_empty_prediction_batches_are_accepted() {
    HubClient device = enrolled();

    device.report(new ReportedState("0.1", List.of(), 0, 0));

    assertThat(device.sendPredictions("k-1", new PredictionBatch(List.of())).accepted()).isZero();
  }

  @Test
  void a_gzip_compressed_capped_batch_is_accepted_and_counted_once() {
    HubClient device = enrolled();
    List<PredictionRecord> records = new java.util.ArrayList<>();
    for (int i = 1; i <= 40; i++) {
      records.add(
          new PredictionRecord(
              i,
              Instant.parse("2026-12-01T00:00:00Z").plusSeconds(i),
              "pump",
              1,
              120,
              "r" + i,
              Json.mapper()
                  .valueToTree(
                      List.of(
                          Map.of(
                              "name",
                              "p",
                              "datatype",
                              "FP32",
                              "shape",
                              List.of(1, 2),
                              "data",
                              List.of(0.25, 0.75)))),
              null));
    }
    Upload upload = new Upload(true, dev.verge.agent.internal.Bandwidth.of(1_000_000));

    Sent sent = device.sendPredictions("k-gz", new PredictionBatch(records), upload);
    Sent again = device.sendPredictions("k-gz", new PredictionBatch(records), upload);

    assertThat(sent.compressed()).isTrue();
    assertThat(sent.wireBytes()).isLessThan(sent.jsonBytes() / 4);
    assertThat(sent.ack().accepted()).isEqualTo(40);
    assertThat(again.ack().duplicate()).isTrue();
  }

  @Test
  void a_report_with_health_counters_a_pending_target_and_a_time_zone_is_accepted() {
    HubClient device = enrolled();
    VersionStats stats =
        new VersionStats(
            2,
            7L,
            Instant.parse("2026-12-01T10:00:00Z"),
            40,
            1,
            java.util.Collections.nCopies(LatencyBuckets.COUNT, 2L),
            Map.of("output[1]", 0.25));
    PendingTarget pending =
        new PendingTarget(
            3,
            8,
            PendingTarget.Phase.WAITING_FOR_WINDOW,
            "window 01:00-04:00 Europe/Berlin",
            Instant.parse("2026-12-01T10:05:00Z"));

    device.report(
        new ReportedState(
            "0.1",
            List.of(new ModelReport("pump", 2L, List.of(2L, 3L), null, null, null, stats, pending)),
            40,
            1,
            null,
            "Europe/Berlin"));
  }

  @Test
  void an_unknown_credential_is_401() {
    hub();
    HubClient stranger = anonymous.as(new Identity("dev-1", "not-a-credential"));

    assertThatThrownBy(() -> stranger.desired(null, Duration.ZERO))
        .isInstanceOfSatisfying(
            HubRefusedException.class, e -> assertThat(e.status()).isEqualTo(401));
  }

  @Test
  void errors_carry_the_same_status_and_code() throws Exception {
    String token = hub().enrollmentToken();
    EnrollResponse enrolled =
        anonymous.enroll(token, new EnrollRequest("edge-1", Map.of(), "0.1", "linux"));
    String id = enrolled.deviceId();
    String credential = enrolled.credential();

    assertThat(error(raw(hub().url(), "GET", ApiPaths.BUNDLES + "0".repeat(64), credential)))
        .isEqualTo("404 NO_SUCH_BUNDLE");
    assertThat(error(raw(hub().url(), "POST", ApiPaths.predictions(id), credential)))
        .isEqualTo("400 BAD_REQUEST");
    assertThat(error(raw(hub().url(), "GET", ApiPaths.desired("other-device"), credential)))
        .isEqualTo("403 FORBIDDEN");
  }

  private static String error(HttpResponse<byte[]> response) {
    return response.statusCode() + " " + Json.read(response.body(), ApiError.class).code();
  }
}
