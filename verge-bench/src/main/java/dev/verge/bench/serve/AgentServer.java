package dev.verge.bench.serve;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A real agent as a device runs it: the distribution's own {@code bin/verge agent} (its JVM flags,
 * class path and defaults) in a process of its own, enrolled with a hub in this JVM that deploys
 * every benchmark model to it as a signed bundle. The hub stays up while the agent serves, idle but
 * for the agent's long poll. With a gRPC port the same process serves both doors, so the HTTP and
 * gRPC contenders measure one agent.
 */
final class AgentServer implements AutoCloseable {
  private static final Map<String, String> LABELS = Map.of("purpose", "bench-serve");
  private static final Duration START = Duration.ofMinutes(2);

  private final Hub hub;
  private final ServerProcess process;
  private final OptionalInt grpcPort;
  private final AtomicBoolean closed = new AtomicBoolean();

  private AgentServer(Hub hub, ServerProcess process, OptionalInt grpcPort) {
    this.hub = hub;
    this.process = process;
    this.grpcPort = grpcPort;
  }

  ServerProcess process() {
    return process;
  }

  /** The port of its gRPC door, on the host of its HTTP endpoint; empty when it opened none. */
  OptionalInt grpcPort() {
    return grpcPort;
  }

  /**
   * @param launcher the distribution's {@code bin/verge}
   * @param threads ONNX Runtime threads per model run ({@code verge agent --threads})
   * @param grpc whether it opens its gRPC door too ({@code verge agent --grpc-port})
   */
  static AgentServer start(
      Path launcher,
      OnnxEngine engine,
      List<BenchModel> models,
      int threads,
      boolean grpc,
      Path dir)
      throws Exception {
    Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    ServerProcess process = null;
    try {
      HubAdminClient admin = new HubAdminClient(hub.url(), hub.adminToken());
      Keys.KeyFiles keys = Keys.writePair(Keys.generate(), dir.resolve("keys"), "bench");
      admin.trustPublisherKey("bench", Keys.readPublic(keys.publicKey()).pem());
      Path bundles = Files.createDirectories(dir.resolve("bundles"));
      for (BenchModel model : models) {
        Path onnx = Files.write(bundles.resolve(model.name() + ".onnx"), model.onnx());
        Path bundle = bundles.resolve(model.name() + ".vbundle");
        try (LoadedModel loaded = engine.load(new ModelSource(model.name(), 1, model.onnx()))) {
          BundleWriter.create(
              new BundleWriter.Spec(
                  model.name(), 1, onnx, loaded.inputs(), loaded.outputs(), Map.of(), null),
              bundle,
              Clock.systemUTC());
        }
        BundleWriter.sign(bundle, Keys.readPrivate(keys.privateKey()));
        admin.publish(bundle, bytes -> {});
      }
      Path token =
          Files.writeString(
              dir.resolve("enroll.token"), admin.createEnrollmentToken(600L, "bench").token());
      Path data = Files.createDirectories(dir.resolve("agent"));
      Path log = dir.resolve("agent.log");
      List<String> command = new ArrayList<>();
      command.addAll(
          List.of(
              launcher.toString(),
              "agent",
              "--hub=" + hub.url(),
              "--data=" + data,
              "--port=0",
              "--name=bench",
              "--enroll-token-file=" + token,
              "--trust=" + keys.publicKey(),
              "--threads=" + threads,
              "--poll-interval=1s",
              "--parent-pid=" + ProcessHandle.current().pid()));
      LABELS.forEach((k, v) -> command.add("--label=" + k + "=" + v));
      OptionalInt grpcPort = grpc ? OptionalInt.of(freeLoopbackPort()) : OptionalInt.empty();
      grpcPort.ifPresent(port -> command.add("--grpc-port=" + port));
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.redirectOutput(log.toFile());
      process = new ServerProcess("the agent", builder.start(), log);
      for (BenchModel model : models) {
        admin.deploy(new DeploymentRequest(model.name(), 1L, LABELS, false));
      }
      Instant deadline = Instant.now().plus(START);
      process.listening(awaitEndpoint(process, data.resolve("agent.endpoint"), deadline));
      awaitServing(process, models, deadline);
      return new AgentServer(hub, process, grpcPort);
    } catch (Exception | Error e) {
      if (process != null) {
        process.close();
      }
      hub.close();
      throw e;
    }
  }

  /**
   * A port free on loopback now, for the gRPC door: the agent writes only its HTTP endpoint down.
   * Were it taken before the agent binds it, the agent exits naming it and the start fails with its
   * log.
   */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static URI awaitEndpoint(ServerProcess process, Path endpoint, Instant deadline)
      throws IOException, InterruptedException {
    while (!Files.exists(endpoint)) {
      process.requireAlive();
      if (Instant.now().isAfter(deadline)) {
        throw new IOException("the agent did not start within " + START + ": " + process.tail());
      }
      Thread.sleep(50);
    }
    return URI.create(Files.readString(endpoint).strip());
  }

  /** Polls each model's ready route until the agent serves them all. */
  private static void awaitServing(ServerProcess process, List<BenchModel> models, Instant deadline)
      throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
      for (BenchModel model : models) {
        HttpRequest ready =
            HttpRequest.newBuilder(process.url().resolve("/v2/models/" + model.name() + "/ready"))
                .timeout(Duration.ofSeconds(5))
                .build();
        while (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
          process.requireAlive();
          if (Instant.now().isAfter(deadline)) {
            throw new IOException(
                "the agent did not serve "
                    + model.name()
                    + " within "
                    + START
                    + ": "
                    + process.tail());
          }
          Thread.sleep(100);
        }
      }
    }
  }

  /** Stops the agent, then the hub; once, though both of its contenders close it. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      process.close();
    } finally {
      hub.close();
    }
  }
}
