package dev.verge.bench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drives an HTTP server with wrk (a C load generator: one event loop per thread, keep-alive
 * connections, closed loop). Its Lua script reads the request body from a file, so binary bodies go
 * out byte for byte, and prints its figures as one JSON line this class parses.
 */
final class Wrk {
  static final String MARK = "verge-bench-wrk ";

  private final Path workDir;
  private int scripts;

  Wrk(Path workDir) {
    this.workDir = workDir;
  }

  /** Whether wrk can be run here, for a clear error before any server starts. */
  static boolean available() {
    try {
      Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** POSTs {@code body} to {@code url}: {@code warmup} unmeasured, then {@code duration}. */
  Measurement post(URI url, Body body, int connections, Duration warmup, Duration duration)
      throws IOException, InterruptedException {
    Path bodyFile = Files.write(workDir.resolve("body-" + scripts + ".bin"), body.bytes());
    Path script = workDir.resolve("post-" + scripts++ + ".lua");
    Files.writeString(script, script(bodyFile, body));
    try {
      if (!warmup.isZero()) {
        run(url, script, connections, warmup);
      }
      return run(url, script, connections, duration);
    } finally {
      Files.deleteIfExists(script);
      Files.deleteIfExists(bodyFile);
    }
  }

  /** GETs {@code url}: the load generator's own ceiling against a trivial answer. */
  Measurement get(URI url, int connections, Duration duration)
      throws IOException, InterruptedException {
    Path script = workDir.resolve("get-" + scripts++ + ".lua");
    Files.writeString(script, DONE);
    try {
      return run(url, script, connections, duration);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  static String script(Path bodyFile, Body body) {
    StringBuilder lua = new StringBuilder();
    lua.append("local f = assert(io.open(")
        .append(luaString(bodyFile.toString()))
        .append(", \"rb\"))\n");
    lua.append("wrk.method = \"POST\"\n");
    lua.append("wrk.body = f:read(\"*a\")\n");
    lua.append("f:close()\n");
    lua.append("wrk.headers[\"Content-Type\"] = \"").append(body.contentType()).append("\"\n");
    if (body.jsonLength() >= 0) {
      lua.append("wrk.headers[\"")
          .append(Body.HEADER)
          .append("\"] = \"")
          .append(body.jsonLength())
          .append("\"\n");
    }
    return lua.append(DONE).toString();
  }

  private static final String DONE =
      """
      function done(summary, latency, requests)
        local e = summary.errors
        io.write(string.format(
          '%s{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"errors":%d}\\n',
          "verge-bench-wrk ", summary.requests, summary.duration,
          latency:percentile(50), latency:percentile(99),
          e.connect + e.read + e.write + e.status + e.timeout))
      end
      """;

  private static String luaString(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static Measurement run(URI url, Path script, int connections, Duration duration)
      throws IOException, InterruptedException {
    long seconds = Math.max(1, duration.toSeconds());
    List<String> command =
        List.of(
            "wrk",
            "-t" + Math.min(connections, 2),
            "-c" + connections,
            "-d" + seconds + "s",
            // The 2.5 MB CNN at batch 64 and 16 connections takes seconds a request on 2 cores.
            "--timeout",
            "30s",
            "-s",
            script.toString(),
            url.toString());
    // Its output goes to a file, so a wrk that hangs is stopped by the wait's time-out.
    Path output = Files.createTempFile(script.getParent(), "wrk-", ".out");
    try {
      Process process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!process.waitFor(seconds + 60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IOException("wrk did not finish: " + String.join(" ", command));
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw new IOException("wrk exited with " + process.exitValue() + ": " + text);
      }
      return parse(text);
    } finally {
      Files.deleteIfExists(output);
    }
  }

  /** The figures of wrk's output, from the line its script's {@code done} prints. */
  static Measurement parse(String output) throws IOException {
    for (String line : output.split("\n")) {
      if (line.startsWith(MARK)) {
        JsonNode figures =
            Json.tree(line.substring(MARK.length()).getBytes(StandardCharsets.UTF_8));
        return new Measurement(
            figures.path("requests").asLong(),
            figures.path("duration_us").asLong() / 1e6,
            figures.path("p50_us").asDouble(),
            figures.path("p99_us").asDouble(),
            figures.path("errors").asLong());
      }
    }
    throw new IOException("wrk printed no figures: " + output);
  }
}
