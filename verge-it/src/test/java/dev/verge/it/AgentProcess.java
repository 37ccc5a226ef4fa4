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
    List<String> args = new ArrayList<>();
    args.add("agent");
    args.add("--data=" + data);
    args.add("--port=0");
    args.add("--parent-pid=" + ProcessHandle.current().pid());
    args.addAll(flags);
    process = VergeProcess.launch(verge, args, data, log());
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
    VergeProcess.kill(process, "the agent");
  }

  String tail() {
    return VergeProcess.tail(log());
  }

  /** Stops the agent the ordinary way (SIGTERM), killing it if it has not ended within 30 s. */
  @Override
  public void close() throws InterruptedException {
    VergeProcess.stop(process, "the agent");
  }
}
