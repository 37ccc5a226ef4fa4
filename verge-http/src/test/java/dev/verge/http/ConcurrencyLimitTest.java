package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {
  private static final int MAX = 3;

  private final ConcurrencyLimit limit = new ConcurrencyLimit(MAX, "slow calls (test-limit)");
  private final CountDownLatch release = new CountDownLatch(1);
  private final ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
  private HttpEdge edge;

  @BeforeEach
  void start() {
    RouteTable routes =
        new RouteTable(
            List.of(
                Route.get(
                    "/slow",
                    limit.around(
                        x -> {
                          try {
                            release.await(30, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          x.json(200, Map.of("done", true));
                        })),
                Route.get("/health", x -> x.empty(200))));
    edge =
        HttpEdge.start(
            HttpEdge.Config.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HttpEdgeTest.LIMITS),
            routes);
  }

  @AfterEach
  void stop() {
    release.countDown();
    clients.close();
    edge.close();
  }

  @Test
  void one_call_over_the_limit_is_503_with_retry_after_and_the_calls_in_flight_finish()
      throws Exception {
    List<CompletableFuture<RawHttp.Reply>> running = new ArrayList<>();
    for (int i = 0; i < MAX; i++) {
      running.add(CompletableFuture.supplyAsync(() -> send("/slow"), clients));
    }
    awaitRunning(MAX);

    RawHttp.Reply refused = send("/slow");
    RawHttp.Reply health = send("/health");

    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.head()).containsIgnoringCase("Retry-After: 1");
    assertThat(refused.body())
        .contains("\"code\":\"OVERLOADED\"")
        .contains("3 slow calls (test-limit) are running");
    assertThat(health.status()).as("routes outside the limit still answer").isEqualTo(200);
    release.countDown();
    for (CompletableFuture<RawHttp.Reply> call : running) {
      assertThat(call.get(30, TimeUnit.SECONDS).status()).isEqualTo(200);
    }
    assertThat(limit.running()).isZero();
    assertThat(send("/slow").status()).as("room again once they finished").isEqualTo(200);
  }

  private RawHttp.Reply send(String path) {
    try {
      return RawHttp.send(edge.port(), "GET", path, Map.of(), new byte[0]);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void awaitRunning(int count) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (limit.running() < count) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("only " + limit.running() + " calls started");
      }
      Thread.sleep(5);
    }
  }
}
