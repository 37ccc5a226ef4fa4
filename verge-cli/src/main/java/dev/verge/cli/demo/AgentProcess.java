package dev.verge.cli.demo;

import dev.verge.cli.Main;
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
   * Starts {@code verge agent} in a new JVM with this JVM's class path.
   *
   * <p>The class path travels in the {@code CLASSPATH} variable, not on the command line: ONNX
   * Runtime 1.29 crashes in processes whose command line is longer than about 4 KB.
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
    Files.createDirectories(dataDir);
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    // The launcher's flags for 'verge agent' (footprint first, as on a small device), so the
    // demo measures what ships; VERGE_JAVA_OPTS comes last and wins, as in the launcher.
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-Xms16m",
            "-Xmx256m",
            "-XX:ReservedCodeCacheSize=32m"));
    String extra = System.getenv("VERGE_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      command.addAll(List.of(extra.strip().split("\\s+")));
    }
    command.addAll(
        List.of(
            Main.class.getName(),
            "agent",
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
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
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
