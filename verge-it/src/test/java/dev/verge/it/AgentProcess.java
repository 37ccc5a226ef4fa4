package dev.verge.it;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The unpacked distribution's own {@code bin/verge agent} as a separate process (the launcher execs
 * Java, so the process is the JVM itself), which the fault suites kill with SIGKILL and start again
 * on the same data folder.
 */
final class AgentProcess implements AutoCloseable {
  private final Installed verge;
  private final Path data;
  private final List<String> flags;
  private Process process;
  private int starts;

  /**
   * @param flags the agent's flags besides {@code --data}, {@code --port} and {@code --parent-pid}
   */
  AgentProcess(Installed verge, Path data, List<String> flags) {
    this.verge = verge;
    this.data = data;
    this.flags = List.copyOf(flags);
  }

  Path data() {
    return data;
  }

  Path store() {
    return data.resolve("agent.db");
  }

  Path log() {
    return data.resolve("agent-" + starts + ".log");
  }

  /** Starts the agent and waits until it serves; answers its inference URL. */
  URI start(Duration limit) throws IOException, InterruptedException {
    Files.createDirectories(data);
    Path endpoint = data.resolve("agent.endpoint");
    // A killed agent leaves the file of its last run behind.
    Files.deleteIfExists(endpoint);
    starts++;
    List<String> command = new ArrayList<>();
    command.add(verge.home.resolve("bin/verge").toString());
    command.add("agent");
    command.add("--data=" + data);
    command.add("--port=0");
    command.add("--parent-pid=" + ProcessHandle.current().pid());
    command.addAll(flags);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/bin:/bin");
    builder.environment().put("HOME", data.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    builder.redirectErrorStream(true);
    builder.redirectOutput(log().toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    process = builder.start();
    Instant deadline = Instant.now().plus(limit);
    while (!Files.exists(endpoint) || Files.size(endpoint) == 0) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the agent exited with " + process.exitValue() + ":\n" + tail());
      }
      if (Instant.now().isAfter(deadline)) {
        kill();
        throw new IllegalStateException("the agent did not serve within " + limit + ":\n" + tail());
      }
      Thread.sleep(20);
    }
    return URI.create(Files.readString(endpoint, StandardCharsets.UTF_8).strip());
  }

  /** Whether the process runs (it was started and has not exited). */
  boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no close, nothing flushed; waits until the process is gone. */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the agent outlived SIGKILL for 30 s");
      }
    }
  }

  String tail() {
    try {
      String text = Files.readString(log(), StandardCharsets.UTF_8);
      return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Stops the agent the ordinary way (SIGTERM), killing it if it has not ended within 30 s. */
  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill();
      }
    }
  }
}
