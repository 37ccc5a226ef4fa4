package dev.verge.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The unpacked distribution's {@code bin/verge hub} as a separate process, which a test can kill
 * with SIGKILL: what an operator runs, on its own data folder.
 */
final class HubProcess implements AutoCloseable {
  private final Installed verge;
  private final Path data;
  private final List<String> flags;
  private final int port;
  private Process process;

  /**
   * @param flags the hub's flags besides {@code --data} and {@code --port}
   */
  HubProcess(Installed verge, Path data, List<String> flags) throws IOException {
    this.verge = verge;
    this.data = data;
    this.flags = List.copyOf(flags);
    try (ServerSocket free = new ServerSocket(0)) {
      this.port = free.getLocalPort();
    }
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + port);
  }

  long pid() {
    return process.pid();
  }

  Path log() {
    return data.resolve("hub.log");
  }

  /** Starts the hub and waits until it listens. */
  HubProcess start(Duration limit) throws IOException, InterruptedException {
    Files.createDirectories(data);
    List<String> args = new ArrayList<>();
    args.add("hub");
    args.add("--data=" + data);
    args.add("--port=" + port);
    args.addAll(flags);
    process = VergeProcess.launch(verge, args, data, log());
    Instant deadline = Instant.now().plus(limit);
    while (!log().toFile().exists() || !Files.readString(log()).contains("listening on")) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "the hub exited with " + process.exitValue() + ":\n" + tail());
      }
      if (Instant.now().isAfter(deadline)) {
        kill();
        throw new IllegalStateException("the hub did not listen within " + limit + ":\n" + tail());
      }
      Thread.sleep(50);
    }
    return this;
  }

  /** The admin token this hub wrote, if it was the first on its store. */
  String adminToken() throws IOException {
    return Files.readString(data.resolve("admin.token"), StandardCharsets.UTF_8).strip();
  }

  /** SIGKILL: no shutdown hook, nothing released; waits until the process is gone. */
  void kill() throws InterruptedException {
    VergeProcess.kill(process, "the hub");
  }

  String tail() {
    return VergeProcess.tail(log());
  }

  @Override
  public void close() throws InterruptedException {
    VergeProcess.stop(process, "the hub");
  }
}
