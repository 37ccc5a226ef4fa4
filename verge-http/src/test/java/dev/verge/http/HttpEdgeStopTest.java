package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How {@link HttpEdge#close()} treats requests in flight and idle keep-alive connections. */
class HttpEdgeStopTest {
  private static final Duration GRACE = Duration.ofSeconds(10);

  private final CountDownLatch arrived = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  private HttpEdge start() {
    RouteTable routes =
        new RouteTable(
            List.of(
                Route.get("/quick", x -> x.json(200, Map.of("ok", true))),
                Route.get(
                    "/slow",
                    x -> {
                      arrived.countDown();
                      try {
                        release.await(30, TimeUnit.SECONDS);
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      x.json(200, Map.of("finished", true));
                    })));
    return HttpEdge.start(
        HttpEdge.Config.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HttpEdgeTest.LIMITS)
            .stopGrace(GRACE),
        routes);
  }

  private static HttpRequest get(HttpEdge edge, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private static boolean accepts(HttpEdge edge) {
    try (HttpClient fresh = HttpClient.newHttpClient()) {
      return fresh.send(get(edge, "/quick"), HttpResponse.BodyHandlers.discarding()).statusCode()
          == 200;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Regression: every close waited out the whole grace while a client kept a connection open. */
  @Test
  void close_does_not_wait_for_idle_keep_alive_connections() throws Exception {
    HttpEdge edge = start();
    try (HttpClient client = HttpClient.newHttpClient()) {
      assertThat(
              client.send(get(edge, "/quick"), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(200);

      long started = System.nanoTime();
      edge.close();

      assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(GRACE.dividedBy(2));
    }
  }

  @Test
  void close_lets_a_request_in_flight_finish() throws Exception {
    HttpEdge edge = start();
    try (HttpClient client = HttpClient.newHttpClient()) {
      CompletableFuture<HttpResponse<String>> slow =
          client.sendAsync(get(edge, "/slow"), HttpResponse.BodyHandlers.ofString());
      assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

      CompletableFuture<Void> closing = CompletableFuture.runAsync(edge::close);
      // Closing has begun once new requests are turned away; the slow one is still running.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (System.nanoTime() < deadline && accepts(edge)) {
        Thread.onSpinWait();
      }
      assertThat(closing).isNotDone();
      release.countDown();
      closing.get(GRACE.toSeconds(), TimeUnit.SECONDS);

      HttpResponse<String> reply = slow.get(10, TimeUnit.SECONDS);
      assertThat(reply.statusCode()).isEqualTo(200);
      assertThat(reply.body()).isEqualTo("{\"finished\":true}");
    }
  }
}
