package dev.verge.bench.serve;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server a user might write instead of running an agent: onnxruntime-node behind Node's {@code
 * http} module ({@code node-peer.js}, about ninety lines, shipped in this jar). The benchmark
 * installs onnxruntime-node from npm into a cache folder the first time (the test suite never
 * does).
 */
final class NodePeer {
  static final String SCRIPT = "node-peer.js";
  private static final Duration INSTALL = Duration.ofMinutes(5);
  private static final Duration START = Duration.ofMinutes(1);

  private NodePeer() {}

  /**
   * Installs {@code onnxruntime-node@version} into {@code cache} unless it is there already; the
   * package's optional download of CUDA libraries is skipped (CPU only, as the other contenders).
   */
  static void install(Path cache, String version) throws IOException, InterruptedException {
    Path installed = cache.resolve("node_modules/onnxruntime-node/package.json");
    if (Files.exists(installed)
        && Files.readString(installed).contains("\"version\": \"" + version + "\"")) {
      return;
    }
    Files.createDirectories(cache);
    Files.writeString(cache.resolve("package.json"), "{\"private\": true}\n");
    List<String> command =
        List.of("npm", "install", "--no-audit", "--no-fund", "onnxruntime-node@" + version);
    System.err.println("bench serve: installing onnxruntime-node " + version + " into " + cache);
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(cache.toFile()).redirectErrorStream(true);
    builder.environment().put("ONNXRUNTIME_NODE_INSTALL", "skip");
    Process npm;
    try {
      npm = builder.start();
    } catch (IOException e) {
      throw new IOException(
          "cannot run npm (Node.js 18+ and npm are needed for the node peer;"
              + " leave it out with --contenders): "
              + e.getMessage(),
          e);
    }
    CompletableFuture<String> output = drain(npm.getInputStream());
    if (!npm.waitFor(INSTALL.toSeconds(), TimeUnit.SECONDS)) {
      npm.destroyForcibly();
      throw new IOException("npm install did not finish within " + INSTALL);
    }
    if (npm.exitValue() != 0) {
      throw new IOException(
          "npm install onnxruntime-node@" + version + " failed: " + output.join());
    }
  }

  /**
   * Starts the peer on a free loopback port, serving each model from its file under {@code dir}.
   */
  static ServerProcess start(Path cache, List<BenchModel> models, int threads, Path dir)
      throws IOException, InterruptedException {
    Path script = cache.resolve(SCRIPT);
    try (InputStream in = NodePeer.class.getResourceAsStream(SCRIPT)) {
      if (in == null) {
        throw new IOException(SCRIPT + " is missing from the benchmark's jar");
      }
      Files.write(script, in.readAllBytes());
    }
    List<String> command =
        new ArrayList<>(List.of("node", script.toString(), "0", Integer.toString(threads)));
    for (BenchModel model : models) {
      Path file = Files.write(dir.resolve(model.name() + ".onnx"), model.onnx());
      command.add(model.name() + "=" + file);
    }
    Path log = dir.resolve("node-peer.log");
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(cache.toFile()).redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    ServerProcess process = new ServerProcess("the node peer", builder.start(), log);
    try {
      long deadline = System.nanoTime() + START.toNanos();
      while (true) {
        process.requireAlive();
        for (String line : Files.readAllLines(log)) {
          if (line.startsWith("listening on ")) {
            process.listening(URI.create(line.substring("listening on ".length()).strip()));
            return process;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IOException(
              "the node peer did not listen within " + START + ": " + process.tail());
        }
        Thread.sleep(50);
      }
    } catch (IOException | InterruptedException | RuntimeException e) {
      process.close();
      throw e;
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (BufferedReader reader =
              new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            StringBuilder text = new StringBuilder();
            reader.lines().forEach(line -> text.append(line).append('\n'));
            return text.length() <= 4_000
                ? text.toString()
                : "..." + text.substring(text.length() - 4_000);
          } catch (IOException e) {
            return "(output unreadable: " + e.getMessage() + ")";
          }
        });
  }
}
