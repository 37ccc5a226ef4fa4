package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import dev.verge.http.Exposition;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsTest {
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  @TempDir Path dir;
  TestHub hub;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
  }

  @AfterEach
  void stop() {
    if (hub != null) {
      hub.close();
    }
  }

  private Exposition scrape() {
    HubClient.Reply reply = hub.admin().get("/metrics");
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
    assertThat(reply.header("Content-Type")).isEqualTo(PROMETHEUS_TEXT);
    return Exposition.parse(reply.text());
  }

  /** Scrapes until {@code ready} holds for the page, for at most ten seconds. */
  private Exposition scrapeUntil(Predicate<Exposition> ready) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(10);
    Exposition page = scrape();
    while (!ready.test(page) && Instant.now().isBefore(deadline)) {
      Thread.sleep(10);
      page = scrape();
    }
    return page;
  }

  @Test
  void metrics_need_the_admin_token() {
    HubClient.Reply anonymous = hub.anonymous().get("/metrics");
    assertThat(anonymous.status()).isEqualTo(401);
    assertThat(anonymous.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(anonymous.code()).isEqualTo("UNAUTHORIZED");

    assertThat(hub.client("vadm_not-the-token").get("/metrics").status()).isEqualTo(401);

    TestHub.Device device = hub.enroll("pump-1", Map.of());
    HubClient.Reply asDevice = device.http().get("/metrics");
    assertThat(asDevice.status()).isEqualTo(403);
    assertThat(asDevice.error()).contains("admin token");

    assertThat(hub.admin().get("/metrics").status()).isEqualTo(200);
  }

  @Test
  void counts_requests_by_route_template_and_status_never_by_raw_path()
      throws InterruptedException {
    TestHub.Device device = hub.enroll("pump-1", Map.of());
    assertThat(hub.admin().get(ApiPaths.DEVICE + device.id()).status()).isEqualTo(200);
    assertThat(hub.admin().get(ApiPaths.DEVICE + "no-such-device").status()).isEqualTo(404);
    assertThat(hub.admin().get("/no/such/endpoint/xyz").status()).isEqualTo(404);
    hub.anonymous().get(ApiPaths.DEVICES);

    String route = ApiPaths.DEVICE + "{id}";
    String count = "verge_hub_http_requests_seconds_count";
    List<String[]> expected =
        List.of(
            new String[] {"method", "GET", "route", route, "status", "200"},
            new String[] {"method", "GET", "route", route, "status", "404"},
            new String[] {"route", "unmatched", "status", "404"},
            new String[] {"route", ApiPaths.DEVICES, "status", "401"},
            new String[] {"method", "POST", "route", ApiPaths.ENROLL, "status", "201"});
    // A request is counted once its answer is out, so the client may scrape a moment before.
    Exposition page =
        scrapeUntil(p -> expected.stream().allMatch(labels -> !p.find(count, labels).isEmpty()));
    for (String[] labels : expected) {
      assertThat(page.value(count, labels)).as("%s", List.of(labels)).isEqualTo(1);
    }
    assertThat(
            page.find(
                "verge_hub_http_requests_seconds_bucket",
                "route",
                route,
                "status",
                "200",
                "le",
                "+Inf"))
        .hasSize(1);
    assertThat(page.samples())
        .allSatisfy(
            s ->
                assertThat(s.labels().values())
                    .doesNotContain(device.id(), "no-such-device", "/no/such/endpoint/xyz"));
  }

  @Test
  void shows_publishes_devices_rollouts_and_ingested_predictions() {
    Exposition before = scrape();
    assertThat(before.value("verge_hub_publishes_total", "outcome", "created")).isZero();
    assertThat(before.value("verge_hub_devices")).isZero();
    assertThat(before.value("verge_hub_predictions_ingested_total")).isZero();

    hub.publish("pump", 1);
    TestHub.Device active = hub.enroll("pump-1", Map.of("site", "a"));
    TestHub.Device pending = hub.enroll("pump-2", Map.of("site", "a"));
    TestHub.Device silent = hub.enroll("pump-3", Map.of("site", "b"));
    long deployment = hub.deploy("pump", 1, Map.of("site", "a")).id();
    assertThat(active.report("pump", 1L, null, null).status()).isEqualTo(204);
    assertThat(pending.report("pump", null, null, null).status()).isEqualTo(204);
    hub.until(deployment, v -> v.counts().active() == 1);
    PredictionBatch batch = batch(1, 3);
    post(active, "k1", batch);
    post(active, "k1", batch);

    Exposition page = scrape();
    assertThat(page.value("verge_hub_publishes_total", "outcome", "created")).isEqualTo(1);
    assertThat(page.value("verge_hub_devices")).isEqualTo(3);
    assertThat(page.value("verge_hub_devices_online"))
        .as("%s never called with its credential", silent.id())
        .isEqualTo(2);
    assertThat(page.value("verge_hub_deployments")).isEqualTo(1);
    assertThat(page.value("verge_hub_rollout_devices", "state", "ACTIVE")).isEqualTo(1);
    assertThat(page.value("verge_hub_rollout_devices", "state", "PENDING")).isEqualTo(1);
    assertThat(page.value("verge_hub_rollout_devices", "state", "FAILED")).isZero();
    assertThat(page.value("verge_hub_rollouts", "phase", "WAVE")).isEqualTo(1);
    assertThat(page.value("verge_hub_rollouts", "phase", "COMPLETED")).isZero();
    assertThat(page.value("verge_hub_rollout_engine_failures_total")).isZero();
    assertThat(page.value("verge_hub_predictions_ingested_total")).isEqualTo(3);
    assertThat(page.value("verge_hub_prediction_batches_total", "outcome", "stored")).isEqualTo(1);
    assertThat(page.value("verge_hub_prediction_batches_total", "outcome", "duplicate"))
        .isEqualTo(1);

    hub.clock.advance(Duration.ofMinutes(3));
    assertThat(scrape().value("verge_hub_devices_online")).isZero();
  }

  @Test
  void counts_a_refused_publish_by_its_code() {
    HubClient.Reply reply = hub.admin().postText(ApiPaths.MODELS, "not a zip");
    assertThat(reply.status()).isEqualTo(422);

    assertThat(scrape().value("verge_hub_publishes_total", "outcome", "refused_corrupt_archive"))
        .isEqualTo(1);
  }

  @Test
  void answers_openmetrics_when_the_scraper_asks_for_it() {
    HubClient.Reply reply =
        hub.admin()
            .get(
                "/metrics",
                "Accept",
                "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("Content-Type")).startsWith("application/openmetrics-text");
    assertThat(reply.text()).endsWith("# EOF\n");
    assertThat(Exposition.parse(reply.text()).value("verge_hub_devices")).isZero();
  }

  @Test
  void falls_back_to_text_when_protobuf_is_asked_for() {
    HubClient.Reply reply =
        hub.admin()
            .get(
                "/metrics",
                "Accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;"
                    + "encoding=delimited");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.header("Content-Type")).isEqualTo(PROMETHEUS_TEXT);
    Exposition.parse(reply.text());
  }

  @Test
  void metrics_open_on_loopback_need_no_token_while_the_api_still_does() {
    hub.close();
    hub = null;
    HubConfig config = HubConfig.defaults(dir.resolve("open")).withPort(0).withMetricsOpen(true);
    hub = TestHub.start(dir.resolve("second"), config);

    HubClient.Reply reply = hub.anonymous().get("/metrics");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).contains("verge_hub_devices ");
    assertThat(hub.anonymous().get(ApiPaths.DEVICES).status()).isEqualTo(401);
  }

  @Test
  void refuses_open_metrics_when_not_bound_to_loopback() {
    HubConfig config =
        HubConfig.defaults(dir.resolve("wide"))
            .withBindAddress("0.0.0.0")
            .withPort(0)
            .withMetricsOpen(true);

    assertThatThrownBy(() -> Hub.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metricsOpen")
        .hasMessageContaining("0.0.0.0");
  }

  private static void post(TestHub.Device device, String key, PredictionBatch batch) {
    HubClient.Reply reply =
        device.http().post(ApiPaths.predictions(device.id()), batch, ApiPaths.IDEMPOTENCY_KEY, key);
    assertThat(reply.status()).as("%s", reply).isEqualTo(200);
  }

  private static PredictionBatch batch(long from, long to) {
    return new PredictionBatch(
        LongStream.rangeClosed(from, to)
            .mapToObj(
                s ->
                    new PredictionRecord(
                        s,
                        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(s),
                        "pump",
                        1,
                        250,
                        "req-" + s,
                        Json.tree("{\"output\": [0.1, 0.9]}".getBytes())))
            .toList());
  }
}
