package dev.verge.cli.demo;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One agent the demo runs as a separate OS process, as on a real device. */
final class AgentProcess implements AutoCloseable {
  private final String name;
  private final Path dataDir;
  private final Process process;

  private AgentProcess(String name, Path dataDir, Process process) {
    this.name = name;
    this.dataDir = dataDir;
    this.process = process;
  }

  /**
   * Starts the installed distribution's own {@code bin/verge agent} as a new process: the flags,
   * class path and Java a device gets, without the demo's libraries, so the demo measures what
   * ships. The launcher tells where the distribution is ({@code verge.home}).
   */
  static AgentProcess start(
      String name,
      Path dataDir,
      URI hub,
      Path enrollToken,
      Path trustedKey,
      Map<String, String> labels,
      Duration interval)
      throws IOException {
    return start(name, dataDir, hub, enrollToken, trustedKey, labels, interval, null);
  }

  /** As above, with the settings of an agent configuration file ({@code --config}) as well. */
  static AgentProcess start(
      String name,
      Path dataDir,
      URI hub,
      Path enrollToken,
      Path trustedKey,
      Map<String, String> labels,
      Duration interval,
      Path config)
      throws IOException {
    String home = System.getProperty("verge.home");
    if (home == null) {
      throw new IOException(
          "the demo starts its agents with the distribution's bin/verge: run it as `verge demo`"
              + " (./verge demo in a source checkout), not from a bare class path");
    }
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>();
    command.addAll(List.of(Path.of(home, "bin", "verge").toString(), "agent"));
    command.addAll(
        List.of(
            "--hub=" + hub,
            "--data=" + dataDir,
            "--port=0",
            "--name=" + name,
            "--enroll-token-file=" + enrollToken,
            "--trust=" + trustedKey,
            "--poll-interval=" + interval.toMillis() + "ms",
            "--forward-interval=" + interval.toMillis() + "ms",
            "--parent-pid=" + ProcessHandle.current().pid()));
    labels.forEach((k, v) -> command.add("--label=" + k + "=" + v));
    if (config != null) {
      command.add("--config=" + config);
    }
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.redirectErrorStream(true);
    builder.redirectOutput(dataDir.resolve("agent.log").toFile());
    return new AgentProcess(name, dataDir, builder.start());
  }

  /** Waits for the agent to write its inference URL, which it does once it serves. */
  URI awaitEndpoint(Instant deadline) throws IOException, InterruptedException {
    Path endpoint = dataDir.resolve("agent.endpoint");
    while (!Files.exists(endpoint)) {
      if (!process.isAlive()) {
        throw new IOException(
            name + " exited with status " + process.exitValue() + "; see " + log());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IOException(name + " did not start in time; see " + log());
      }
      Thread.sleep(50);
    }
    return URI.create(Files.readString(endpoint).strip());
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /**
   * The process's resident memory in KiB as the kernel counts it ({@code VmRSS}, what {@code ps -o
   * rss} shows), or null where there is no {@code /proc}.
   */
  Long residentKib() {
    Path status = Path.of("/proc", Long.toString(process.pid()), "status");
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | NumberFormatException e) {
      return null;
    }
    return null;
  }

  Path log() {
    return dataDir.resolve("agent.log");
  }

  /** Stops the agent: politely first, so it closes its store, then by force. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
