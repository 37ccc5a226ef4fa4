package dev.verge.it;

import dev.verge.core.json.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Predictions sent without pause by a few threads to whatever agent {@link #target} names, each
 * with its own request id; every 200 goes into the {@link Ledger}. Requests to an agent that is
 * down fail and are counted, which is all a caller of a dead device can see.
 */
final class Load implements AutoCloseable {
  static final String MODEL = "pump";

  private final Ledger ledger;
  private final String prefix;
  private final AtomicReference<URI> target = new AtomicReference<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final List<Thread> threads = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();
  private volatile boolean running = true;

  Load(Ledger ledger, String prefix, int threadCount) {
    this.ledger = ledger;
    this.prefix = prefix;
    for (int t = 0; t < threadCount; t++) {
      int thread = t;
      threads.add(Thread.ofPlatform().name("load-" + t).daemon().start(() -> send(thread)));
    }
  }

  /** Points the load at an agent, or at none while it is down. */
  void target(URI agent) {
    target.set(agent);
  }

  long sent() {
    return sent.get();
  }

  long failed() {
    return failed.get();
  }

  private void send(int thread) {
    long n = 0;
    while (running) {
      URI agent = target.get();
      if (agent == null) {
        pause(5);
        continue;
      }
      String id = prefix + "-" + thread + "-" + n++;
      sent.incrementAndGet();
      try {
        HttpResponse<String> answer =
            http.send(request(agent, id), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          ledger.acknowledged(id);
        } else {
          failed.incrementAndGet();
        }
      } catch (Exception e) {
        // Refused, reset or timed out: the agent was killed under this request.
        failed.incrementAndGet();
        pause(5);
      }
    }
  }

  private static HttpRequest request(URI agent, String id) {
    double x = (id.hashCode() & 0xff) / 64.0;
    String body =
        "{\"id\": \""
            + id
            + "\", \"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 2],"
            + " \"data\": [["
            + x
            + ", 1.0]]}]}";
    return HttpRequest.newBuilder(agent.resolve("/v2/models/" + MODEL + "/infer"))
        .timeout(Duration.ofSeconds(10))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  /**
   * One prediction checked for what a valid model answers: 200, a version, two probabilities
   * summing to one. Answers the version that served it, or throws naming what was wrong.
   */
  static long validAnswer(HttpClient http, URI agent, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> answer =
            http.send(
                request(agent, "probe-" + System.nanoTime()), HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          var tree = Json.tree(answer.body().getBytes());
          var data = tree.path("outputs").path(0).path("data");
          double sum = data.path(0).asDouble() + data.path(1).asDouble();
          if (data.size() != 2 || Math.abs(sum - 1) > 1e-4) {
            throw new AssertionError("not a valid model's answer: " + answer.body());
          }
          return tree.path("model_version").asLong();
        }
        last = answer.statusCode() + " " + answer.body();
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no valid answer within " + limit + ": " + last);
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    for (Thread thread : threads) {
      thread.join(15_000);
    }
    http.close();
  }
}
