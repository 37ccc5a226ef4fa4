package dev.verge.agent.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.verge.agent.internal.Backoff;
import dev.verge.core.json.Json;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Webhooks, commands and events as rules fire them. */
class ActionsTest {
  @TempDir Path dir;
  PipelineStore store;
  HttpServer server;
  HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  final List<String> outcomes = new CopyOnWriteArrayList<>();
  final PipelineMetrics metrics =
      new PipelineMetrics() {
        @Override
        public void cycle(String pipeline, String outcome) {}

        @Override
        public void readings(String pipeline, String outcome, int count) {}

        @Override
        public void action(String pipeline, String action, String outcome) {
          outcomes.add(action + ":" + outcome);
        }
      };
  final Backoff fast = new Backoff(Duration.ofMillis(10), Duration.ofMillis(50));

  @BeforeEach
  void open() throws Exception {
    store = PipelineStore.open(dir.resolve("pipelines.db"));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  @AfterEach
  void close() {
    server.stop(0);
    store.close();
    http.shutdownNow();
  }

  static Firing firing() {
    return new Firing(
        Instant.parse("2026-03-01T10:00:00Z"),
        "pump-watch",
        "output[1] > 0.8",
        "pump",
        2,
        new Reading("synthetic #3", Map.of("temperature", 81.5)),
        Map.of("output[1]", 0.93));
  }

  private URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void a_webhook_that_fails_is_retried_with_back_off_until_it_answers_2xx() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    List<JsonNode> bodies = new CopyOnWriteArrayList<>();
    server.createContext(
        "/hook",
        x -> {
          bodies.add(Json.tree(x.getRequestBody().readAllBytes()));
          int status = calls.incrementAndGet() < 3 ? 503 : 204;
          x.sendResponseHeaders(status, -1);
          x.close();
        });
    try (Actions actions = new Actions("pump-watch", store, http, fast, metrics)) {
      boolean ok =
          actions.post(
              new Action.Webhook(url("/hook"), Duration.ofSeconds(5), 3, Map.of("X-Site", "a")),
              firing());

      assertThat(ok).isTrue();
    }
    assertThat(calls.get()).isEqualTo(3);
    JsonNode body = bodies.getFirst();
    assertThat(body.path("rule").asText()).isEqualTo("output[1] > 0.8");
    assertThat(body.path("details").path("outputs").path("output[1]").asDouble()).isEqualTo(0.93);
    assertThat(body.path("details").path("fields").path("temperature").asDouble()).isEqualTo(81.5);
  }

  @Test
  void a_webhook_that_never_answers_fails_after_its_time_out_and_retries() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    server.createContext(
        "/slow",
        x -> {
          calls.incrementAndGet();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.close();
        });
    try (Actions actions = new Actions("pump-watch", store, http, fast, metrics)) {
      long started = System.nanoTime();
      boolean ok =
          actions.post(new Action.Webhook(url("/slow"), Duration.ofMillis(300), 1, null), firing());
      Duration took = Duration.ofNanos(System.nanoTime() - started);

      assertThat(ok).isFalse();
      assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(600));
    } finally {
      release.countDown();
    }
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  @org.junit.jupiter.api.Timeout(60)
  void a_webhook_whose_answer_stops_midway_fails_within_its_time_out() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    server.createContext(
        "/stall",
        x -> {
          x.sendResponseHeaders(200, 1000);
          x.getResponseBody().write(new byte[10]);
          x.getResponseBody().flush();
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          x.close();
        });
    try (Actions actions = new Actions("pump-watch", store, http, fast, metrics)) {
      long started = System.nanoTime();
      boolean ok =
          actions.post(
              new Action.Webhook(url("/stall"), Duration.ofMillis(300), 0, null), firing());

      assertThat(ok).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    } finally {
      release.countDown();
    }
  }

  @Test
  void a_command_reads_the_firing_on_its_input_and_one_past_its_time_out_is_killed()
      throws Exception {
    Path out = dir.resolve("fired.json");
    try (Actions actions = new Actions("pump-watch", store, http, fast, metrics)) {
      boolean ran =
          actions.run(
              new Action.RunCommand(
                  List.of("sh", "-c", "cat > '" + out + "'"), Duration.ofSeconds(10), 1024),
              firing());
      long started = System.nanoTime();
      boolean slow =
          actions.run(
              new Action.RunCommand(List.of("sleep", "30"), Duration.ofMillis(200), 1024),
              firing());

      assertThat(ran).isTrue();
      assertThat(Json.tree(Files.readAllBytes(out)).path("model").asText()).isEqualTo("pump");
      assertThat(slow).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
    }
  }

  @Test
  void a_command_s_output_is_kept_only_up_to_its_limit() throws Exception {
    Processes.Outcome outcome =
        Processes.run(
            List.of("sh", "-c", "head -c 100000 /dev/zero"), null, Duration.ofSeconds(10), 1000);

    assertThat(outcome).isInstanceOf(Processes.Outcome.Exited.class);
    Processes.Outcome.Exited exited = (Processes.Outcome.Exited) outcome;
    assertThat(exited.output()).hasSize(1000);
    assertThat(exited.truncated()).isTrue();
    assertThat(exited.status()).isZero();
  }

  @Test
  void events_go_to_the_store_and_past_its_limit_are_counted_dropped() {
    store.close();
    store = PipelineStore.open(dir.resolve("small.db"), 2);
    try (Actions actions = new Actions("pump-watch", store, http, fast, metrics)) {
      Action event = new Action.RaiseEvent("critical", "pump failure risk");
      actions.fire(event, firing());
      actions.fire(event, firing());
      actions.fire(event, firing());
    }

    assertThat(store.pendingEvents()).isEqualTo(2);
    assertThat(store.pendingEvents(10).getFirst().severity()).isEqualTo("critical");
    assertThat(store.pendingEvents(10).getFirst().details().path("reading").asText())
        .isEqualTo("synthetic #3");
    assertThat(outcomes).containsExactly("event:ok", "event:ok", "event:dropped");
  }
}
