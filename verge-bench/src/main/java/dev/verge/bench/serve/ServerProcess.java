package dev.verge.bench.serve;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A server the benchmark started as an OS process, its URL once it listens, and its log. */
final class ServerProcess implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;
  private URI url;

  ServerProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  String name() {
    return name;
  }

  long pid() {
    return process.pid();
  }

  URI url() {
    return url;
  }

  void listening(URI url) {
    this.url = url;
  }

  /** Fails naming the log when the process has exited. */
  void requireAlive() throws IOException {
    if (!process.isAlive()) {
      throw new IOException(name + " exited with status " + process.exitValue() + ": " + tail());
    }
  }

  /** The end of the log, for error messages. */
  String tail() {
    try {
      String text = Files.readString(log);
      return text.length() <= 2_000 ? text : "..." + text.substring(text.length() - 2_000);
    } catch (IOException e) {
      return "(no log at " + log + ": " + e.getMessage() + ")";
    }
  }

  /** Stops it: politely first, so an agent closes its store, then by force. */
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
