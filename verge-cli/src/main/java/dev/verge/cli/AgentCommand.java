package dev.verge.cli;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verge agent}: runs the device agent until stopped. */
@Command(
    name = "agent",
    mixinStandardHelpOptions = true,
    description = "Run the device agent: sync models from the hub and serve them locally.")
final class AgentCommand implements Runnable {
  /** The file, in the data folder, where a started agent writes its inference URL. */
  static final String ENDPOINT_FILE = "agent.endpoint";

  @Option(names = "--hub", paramLabel = "URL", required = true, description = "Hub URL.")
  URI hub;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      required = true,
      description = "This device's data folder.")
  Path data;

  @Option(
      names = "--bind",
      paramLabel = "ADDRESS",
      defaultValue = "127.0.0.1",
      description = "Address of the local inference API (default ${DEFAULT-VALUE}).")
  String bind;

  @Option(
      names = "--port",
      paramLabel = "PORT",
      defaultValue = "7080",
      description = "Port of the local inference API (default ${DEFAULT-VALUE}; 0 picks one).")
  int port;

  @Option(
      names = "--enroll-token-file",
      paramLabel = "FILE",
      description = "File with a one-time enrollment token (needed on first start only).")
  Path enrollTokenFile;

  @Option(
      names = "--name",
      paramLabel = "NAME",
      description = "Device name shown on the hub (default: the host name).")
  String name;

  @Option(
      names = "--label",
      paramLabel = "KEY=VALUE",
      description = "Device label key=value; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(
      names = "--trust",
      paramLabel = "KEY",
      required = true,
      description = "Trusted publisher key (.pub) or folder of them; repeatable.")
  List<Path> trust = new ArrayList<>();

  @Option(
      names = "--poll-interval",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How often to ask the hub for the desired state (default ${DEFAULT-VALUE}).")
  Duration pollInterval;

  @Option(
      names = "--forward-interval",
      paramLabel = "DURATION",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "How often to forward recorded predictions (default ${DEFAULT-VALUE}).")
  Duration forwardInterval;

  @Option(
      names = "--threads",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "ONNX Runtime threads per model run; 0 lets it choose (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--max-store-mb",
      paramLabel = "MIB",
      defaultValue = "256",
      description =
          "Budget of the local prediction store; when full the oldest predictions the hub already"
              + " has make room, and new ones are refused only if none has reached the hub"
              + " (default ${DEFAULT-VALUE}; 0: no budget).")
  long maxStoreMb;

  @Option(
      names = "--metrics-token-file",
      paramLabel = "FILE",
      description =
          "File with a token that GET /metrics then requires as 'Authorization: Bearer'; needed"
              + " to serve metrics on a non-loopback --bind (default: none, metrics open on"
              + " loopback).")
  Path metricsTokenFile;

  @Option(
      names = "--parent-pid",
      hidden = true,
      description = "Exit when this process exits (used by the demo).")
  Long parentPid;

  @Override
  public void run() {
    String token = enrollTokenFile == null ? null : read(enrollTokenFile, "enrollment token");
    String metricsToken = metricsTokenFile == null ? null : read(metricsTokenFile, "metrics token");
    AgentConfig config =
        AgentConfig.defaults(hub, data)
            .withBindAddress(bind)
            .withPort(port)
            .withEnrollmentToken(token)
            .withDevice(name == null ? hostName() : name, Map.copyOf(labels))
            .withTrustedKeys(List.copyOf(trust))
            .withPollInterval(pollInterval)
            .withForwarding(forwardInterval, AgentConfig.DEFAULT_FORWARD_BATCH_SIZE)
            .withEngineOptions(new EngineOptions(threads, 1))
            .withMaxStoreBytes(maxStoreMb * 1024 * 1024)
            .withMetricsToken(metricsToken);
    CountDownLatch stopped = new CountDownLatch(1);
    try (OnnxEngine engine = new OnnxEngine(config.engineOptions());
        Agent agent = Agent.start(config, engine)) {
      Runnable stop =
          () -> {
            agent.close();
            stopped.countDown();
          };
      Runtime.getRuntime().addShutdownHook(new Thread(stop));
      if (parentPid != null) {
        ProcessHandle.of(parentPid)
            .ifPresentOrElse(
                parent -> parent.onExit().thenRun(() -> System.exit(0)), () -> System.exit(0));
      }
      writeEndpoint(data, agent.inferenceUrl());
      System.out.println("Verge agent " + agent.deviceId() + " serving on " + agent.inferenceUrl());
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void writeEndpoint(Path data, URI url) {
    try {
      Path temp = Files.createTempFile(data, ".endpoint", ".tmp");
      Files.writeString(temp, url.toString());
      Files.move(temp, data.resolve(ENDPOINT_FILE), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + data.resolve(ENDPOINT_FILE), e);
    }
  }

  private static String read(Path file, String what) {
    try {
      return Files.readString(file).strip();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + what + " file " + file, e);
    }
  }

  private static String hostName() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "device";
    }
  }
}
