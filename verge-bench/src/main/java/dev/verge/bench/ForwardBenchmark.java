package dev.verge.bench;

import dev.verge.agent.forward.ForwardConfig;
import dev.verge.agent.forward.ForwardMetrics;
import dev.verge.agent.forward.ForwardOutcome;
import dev.verge.agent.forward.PredictionForwarder;
import dev.verge.agent.store.Identity;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.sync.HubClient;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast a device's backlog reaches the hub: a real hub (temporary folder, port 0, SQLite) and
 * one enrolled device whose agent store holds {@link #BACKLOG} recorded predictions; each
 * invocation forwards the whole backlog with the agent's {@link PredictionForwarder} (batches of
 * 500, the default) over loopback, gzip-compressed or not, and the hub stores every record. The
 * store is refilled between invocations.
 *
 * <p>The records are the shape a classifier's capture takes: outputs of [1, 2] FP32 ({@code
 * outputs}) or, with {@code inputs}, the request's [1, 64] FP32 features as well. Each trial ends
 * with a line of what a record cost the link, as JSON and on the wire.
 *
 * <p>Run with {@code ./verge bench ForwardBenchmark -f 1 -wi 2 -i 5}; records/s is {@value
 * #BACKLOG} divided by the time per invocation.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, batchSize = 1)
@Measurement(iterations = 5, batchSize = 1)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class ForwardBenchmark {
  static final int BACKLOG = 20_000;

  @Param({"true", "false"})
  public boolean compress;

  @Param({"outputs", "inputs"})
  public String captured;

  private Path root;
  private Hub hub;
  private HubClient anonymous;
  private HubClient device;
  private SqliteAgentStore store;
  private PredictionForwarder forwarder;
  private final Wire wire = new Wire();
  private long sequence;

  @Setup(Level.Trial)
  public void start() throws IOException {
    Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    root = Files.createTempDirectory("verge-bench-forward-");
    hub = Hub.start(HubConfig.defaults(root.resolve("hub")).withPort(0));
    anonymous = new HubClient(hub.url());
    String token =
        new HubAdminClient(hub.url(), hub.adminToken())
            .createEnrollmentToken(3600L, "benchmark")
            .token();
    EnrollResponse enrolled =
        anonymous.enroll(token, new EnrollRequest("bench", Map.of(), "bench", "linux"));
    device = anonymous.as(new Identity(enrolled.deviceId(), enrolled.credential()));
    store = SqliteAgentStore.open(root.resolve("agent.db"), 0);
    forwarder =
        new PredictionForwarder(
            store,
            device,
            enrolled.deviceId(),
            500,
            Duration.ofHours(1),
            wire,
            ForwardConfig.defaults().withCompression(compress));
  }

  @Setup(Level.Invocation)
  public void fill() {
    List<Prediction> batch = new ArrayList<>(1_000);
    Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
    for (int i = 0; i < BACKLOG; i++) {
      sequence++;
      String outputs = tensor("probabilities", 2);
      String inputs = captured.equals("inputs") ? tensor("features", 64) : null;
      batch.add(
          new Prediction(
              t0.plusMillis(sequence * 100),
              "pump",
              3,
              180 + i % 50,
              "r" + sequence,
              outputs,
              inputs));
      if (batch.size() == 1_000) {
        store.recordAll(batch, 0, 0);
        batch.clear();
      }
    }
  }

  /**
   * A [1, n] FP32 tensor as the capture writes it, its values different in every record (as a
   * sensor's are), so that compression gets no easier data than a device's.
   */
  private String tensor(String name, int n) {
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < n; i++) {
      data.append(i == 0 ? "" : ",").append((float) Math.sin(sequence + i * 0.37));
    }
    return "[{\"name\":\""
        + name
        + "\",\"datatype\":\"FP32\",\"shape\":[1,"
        + n
        + "],\"data\":["
        + data
        + "]}]";
  }

  @Benchmark
  public int forward_backlog() {
    ForwardOutcome outcome = forwarder.flush();
    if (!(outcome instanceof ForwardOutcome.Drained drained) || drained.forwarded() != BACKLOG) {
      throw new IllegalStateException("the backlog did not drain: " + outcome);
    }
    return drained.forwarded();
  }

  /** What went up the link, for the line the trial prints at its end. */
  static final class Wire implements ForwardMetrics {
    private long records;
    private long json;
    private long wire;

    @Override
    public void forwarded(int count) {
      records += count;
    }

    @Override
    public void setAside(int count) {}

    @Override
    public void uploaded(long jsonBytes, long wireBytes) {
      json += jsonBytes;
      wire += wireBytes;
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    if (wire.records > 0) {
      System.out.printf(
          "%nforward compress=%s captured=%s: %d records, %.0f bytes of JSON and %.0f on the wire"
              + " per record%n",
          compress,
          captured,
          wire.records,
          (double) wire.json / wire.records,
          (double) wire.wire / wire.records);
    }
    forwarder.close();
    store.close();
    anonymous.close();
    hub.close();
    Folders.deleteTree(root);
  }
}
