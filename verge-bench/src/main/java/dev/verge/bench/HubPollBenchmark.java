package dev.verge.bench;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.BatchAck;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.PredictionBatch;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a device's poll of its desired state costs, for a device with nothing stored and one with
 * {@code stored} prediction records (issue 7: the poll counted them and wrote {@code lastSeenAt},
 * so 1,000,000 records made it 110× slower).
 *
 * <p>Each fork starts a real hub (temporary folder, port 0), enrolls one device through the API and
 * sends it {@code stored} records in batches of 10,000 through the device API, then measures {@code
 * GET /api/v1/devices/{id}/desired} with the device's credential over loopback (the JDK's {@code
 * HttpClient}, one thread, no long poll). Only the public HTTP API is used, so the same source
 * measures any version of the hub.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class HubPollBenchmark {
  private static final int BATCH = 10_000;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  /** Prediction records the polling device has stored. */
  @Param({"0", "1000000"})
  public int stored;

  private Path root;
  private Hub hub;
  private HttpClient http;
  private HttpRequest poll;

  @Setup(Level.Trial)
  public void start() throws IOException, InterruptedException {
    Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    root = Files.createTempDirectory("verge-bench-poll-");
    hub = Hub.start(HubConfig.defaults(root.resolve("hub")).withPort(0));
    http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    EnrollmentToken token =
        send(
            "POST",
            ApiPaths.ENROLLMENT_TOKENS,
            hub.adminToken(),
            new EnrollmentTokenRequest(null, "benchmark"),
            EnrollmentToken.class);
    EnrollResponse device =
        send(
            "POST",
            ApiPaths.ENROLL,
            token.token(),
            new EnrollRequest("bench", Map.of("purpose", "benchmark"), "bench", "linux"),
            EnrollResponse.class);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int from = 0; from < stored; from += BATCH) {
      List<PredictionRecord> records = new ArrayList<>(BATCH);
      for (int s = from; s < Math.min(stored, from + BATCH); s++) {
        records.add(
            new PredictionRecord(
                s,
                t0.plusMillis(s * 100L),
                "pump",
                1,
                800,
                null,
                Json.tree("[0.1,0.9]".getBytes())));
      }
      BatchAck ack =
          send(
              "POST",
              ApiPaths.predictions(device.deviceId()),
              device.credential(),
              new PredictionBatch(records),
              BatchAck.class,
              ApiPaths.IDEMPOTENCY_KEY,
              "bench-" + from);
      if (ack.accepted() != records.size()) {
        throw new IllegalStateException(
            "the hub stored " + ack.accepted() + " of " + records.size());
      }
    }
    poll =
        HttpRequest.newBuilder(hub.url().resolve(ApiPaths.desired(device.deviceId())))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + device.credential())
            .GET()
            .build();
    int status = poll().statusCode();
    if (status != 200) {
      throw new IllegalStateException("the poll answered " + status);
    }
  }

  private <T> T send(
      String method, String path, String bearer, Object body, Class<T> type, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(hub.url() + path))
            .timeout(TIMEOUT)
            .header("Authorization", "Bearer " + bearer)
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<byte[]> response =
        http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() / 100 != 2) {
      throw new IllegalStateException(
          method
              + " "
              + path
              + " answered "
              + response.statusCode()
              + ": "
              + new String(response.body()));
    }
    return Json.read(response.body(), type);
  }

  @Benchmark
  public HttpResponse<byte[]> desired_state_poll() throws IOException, InterruptedException {
    return poll();
  }

  private HttpResponse<byte[]> poll() throws IOException, InterruptedException {
    return http.send(poll, HttpResponse.BodyHandlers.ofByteArray());
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    try {
      if (hub != null) {
        hub.close();
      }
    } finally {
      if (http != null) {
        http.close();
      }
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(HubPollBenchmark::delete);
      }
    }
  }

  private static void delete(Path path) {
    try {
      Files.delete(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
