package dev.verge.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.store.Prediction;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.ModelReport;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.InferInput;
import dev.verge.core.oip.InferRequest;
import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorCodec;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
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
 * What the local HTTP hop costs: the same ONNX model run in-process through {@link OnnxEngine} and
 * through a real agent's Open Inference Protocol API on loopback, measured in the same run.
 *
 * <p>Each fork starts a real hub and one real agent (temporary folders, port 0), publishes {@link
 * TestModels#logistic()} as a signed bundle, deploys it and waits until the agent serves it; the
 * agent and the in-process model share one engine, so both run with the same ONNX Runtime threads.
 * While measuring, the agent polls the hub every 200 ms and forwards predictions at its default
 * interval, as a deployed agent would. Teardown stops both servers and deletes the folders.
 *
 * <p>{@code agent_http_metadata_get} (the HTTP round trip alone), {@code agent_store_record} (the
 * SQLite write alone) and the {@code codec_*} benchmarks split {@code agent_http_json} into its
 * parts.
 *
 * <p>Run with {@code ORT_DISABLE_TELEMETRY=1} in the environment (ONNX Runtime 1.29 can crash in
 * forked JVMs without it), for example {@code ORT_DISABLE_TELEMETRY=1 java
 * --enable-native-access=ALL-UNNAMED -jar target/benchmarks.jar -f 1 -wi 5 -w 3s -i 5 -r 2s}. The
 * HTTP path keeps getting faster for about 15 s of warmup on two cores; shorter warmups overstate
 * it.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class InferenceLatencyBenchmark {
  private static final String MODEL = "logistic";
  private static final long VERSION = 1;
  private static final Map<String, String> LABELS = Map.of("purpose", "benchmark");
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  /** Rows per request: input shape [batch, 2]. */
  @Param({"1", "64"})
  public int batch;

  private Path root;
  private OnnxEngine engine;
  private LoadedModel model;
  private Hub hub;
  private Agent agent;
  private HttpClient http;
  private SqliteAgentStore store;
  private JsonNode recordedOutputs;

  private List<Tensor> inputs;
  private InferInput jsonInput;
  private byte[] body;
  private HttpRequest request;
  private HttpRequest metadataRequest;

  @Setup(Level.Trial)
  public void start() throws IOException, InterruptedException {
    // The hub, the agent and Flyway log each start at INFO; keep the JMH output readable.
    Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    root = Files.createTempDirectory("verge-bench-");
    try {
      engine = new OnnxEngine(EngineOptions.defaults());
      byte[] onnx = TestModels.logistic();
      model = engine.load(new ModelSource(MODEL, VERSION, onnx));

      float[] features = new float[batch * 2];
      for (int i = 0; i < features.length; i++) {
        features[i] = (i % 7) * 0.25f - 0.75f;
      }
      inputs = List.of(new Tensor("input", DataType.FP32, new long[] {batch, 2}, features));
      jsonInput =
          new InferInput(
              "input",
              List.of((long) batch, 2L),
              "FP32",
              null,
              Json.mapper().valueToTree(features));
      body = Json.write(new InferRequest(null, null, List.of(jsonInput), null));

      recordedOutputs =
          Json.mapper()
              .valueToTree(
                  model.infer(inputs, Set.of()).stream().map(TensorCodec::encode).toList());
      store = SqliteAgentStore.open(root.resolve("store").resolve("agent.db"));

      hub = Hub.start(HubConfig.defaults(root.resolve("hub")).withPort(0));
      agent = startAgent(onnx);
      http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      request =
          HttpRequest.newBuilder(
                  URI.create(agent.inferenceUrl() + "/v2/models/" + MODEL + "/infer"))
              .timeout(Duration.ofSeconds(10))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(body))
              .build();
      metadataRequest =
          HttpRequest.newBuilder(URI.create(agent.inferenceUrl() + "/v2/models/" + MODEL))
              .timeout(Duration.ofSeconds(10))
              .GET()
              .build();
      requireSameAnswer();
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      try {
        stop();
      } catch (IOException | RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private Agent startAgent(byte[] onnx) throws IOException, InterruptedException {
    HubAdminClient admin = new HubAdminClient(hub.url(), hub.adminToken());
    Keys.KeyFiles keys = Keys.writePair(Keys.generate(), root.resolve("keys"), "bench");
    admin.trustPublisherKey("bench", Keys.readPublic(keys.publicKey()).pem());

    Path dir = Files.createDirectories(root.resolve("bundles"));
    Path onnxFile = Files.write(dir.resolve(MODEL + ".onnx"), onnx);
    Path bundle = dir.resolve(MODEL + ".vbundle");
    BundleWriter.create(
        new BundleWriter.Spec(
            MODEL, VERSION, onnxFile, model.inputs(), model.outputs(), Map.of(), null),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, Keys.readPrivate(keys.privateKey()));
    admin.publish(bundle, bytes -> {});

    String token = admin.createEnrollmentToken(600L, "bench").token();
    Agent started =
        Agent.start(
            AgentConfig.defaults(hub.url(), root.resolve("agent"))
                .withPort(0)
                .withEnrollmentToken(token)
                .withDevice("bench", LABELS)
                .withTrustedKeys(List.of(keys.publicKey()))
                .withPollInterval(Duration.ofMillis(200)),
            engine);
    try {
      admin.deploy(new DeploymentRequest(MODEL, VERSION, LABELS, false));
      Instant deadline = Instant.now().plus(DEADLINE);
      while (!servesVersion(started)) {
        if (Instant.now().isAfter(deadline)) {
          throw new IllegalStateException(
              "the agent did not serve " + MODEL + " v" + VERSION + " within " + DEADLINE);
        }
        Thread.sleep(50);
      }
      return started;
    } catch (InterruptedException | RuntimeException e) {
      started.close();
      throw e;
    }
  }

  private static boolean servesVersion(Agent agent) {
    return agent.status().models().stream()
        .filter(m -> m.name().equals(MODEL))
        .map(ModelReport::activeVersion)
        .anyMatch(v -> v != null && v == VERSION);
  }

  /** Both paths must compute the same thing, or the comparison means nothing. */
  private void requireSameAnswer() throws IOException, InterruptedException {
    float[] local = (float[]) model.infer(inputs, Set.of()).get(0).data();
    JsonNode remote = Json.tree(agent_http_json()).path("outputs").path(0).path("data");
    if (remote.size() != local.length) {
      throw new IllegalStateException(
          "the agent answered " + remote.size() + " values, the engine " + local.length);
    }
    for (int i = 0; i < local.length; i++) {
      if (Math.abs(remote.get(i).doubleValue() - local[i]) > 1e-6) {
        throw new IllegalStateException(
            "value " + i + ": agent " + remote.get(i) + ", engine " + local[i]);
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() throws IOException {
    List<Integer> ports = new ArrayList<>();
    if (http != null) {
      http.close();
    }
    if (agent != null) {
      ports.add(agent.port());
      agent.close();
    }
    if (hub != null) {
      ports.add(hub.port());
      hub.close();
    }
    if (store != null) {
      store.close();
    }
    if (model != null) {
      model.close();
    }
    if (engine != null) {
      engine.close();
    }
    if (root != null) {
      Folders.deleteTree(root);
    }
    for (int port : ports) {
      requireClosed(port);
    }
  }

  private static void requireClosed(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
      throw new IllegalStateException("port " + port + " still accepts connections after close");
    } catch (ConnectException expected) {
      // Closed, as it should be.
    }
  }

  /** ONNX Runtime called directly: tensor conversion in and out, and the session run. */
  @Benchmark
  public List<Tensor> engine_in_process() {
    return model.infer(inputs, Set.of());
  }

  /**
   * The same model through the agent's local API on loopback, one reused HTTP/1.1 connection: JSON
   * encode and parse on both sides, the engine run, and the agent's SQLite write of the prediction,
   * which it makes before answering every request.
   */
  @Benchmark
  public byte[] agent_http_json() throws IOException, InterruptedException {
    return send(request);
  }

  private byte[] send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the agent answered "
              + response.statusCode()
              + ": "
              + new String(response.body(), StandardCharsets.UTF_8));
    }
    return response.body();
  }

  /**
   * The control for {@link #agent_http_json()}: a JSON GET of the model's metadata through the same
   * client, connection and server, without the engine or the SQLite write.
   */
  @Benchmark
  public byte[] agent_http_metadata_get() throws IOException, InterruptedException {
    return send(metadataRequest);
  }

  /**
   * The agent's write of one prediction, alone: the same SQLite schema and settings (WAL, {@code
   * synchronous=NORMAL}) in a store of its own, outputs as the agent records them.
   */
  @Benchmark
  public long agent_store_record() {
    return store.record(new Prediction(Instant.now(), MODEL, VERSION, 10, null, recordedOutputs));
  }

  /** The protocol's JSON tensor to a {@link Tensor}, from an already parsed request. */
  @Benchmark
  public Tensor codec_json_decode() {
    return TensorCodec.decode(jsonInput);
  }

  /** What the agent does with a body before the engine runs: parse the JSON, decode the tensor. */
  @Benchmark
  public Tensor codec_json_parse_and_decode() {
    return TensorCodec.decode(Json.read(body, InferRequest.class).inputs().get(0));
  }
}
