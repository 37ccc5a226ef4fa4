package dev.verge.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The release archive, unpacked into a fresh folder as a user would, and its {@code bin/verge} run
 * as a separate process with nothing of the build around it: no source tree, no Maven, a new {@code
 * HOME}, and only a Java runtime (this JVM's) on a bare {@code PATH}.
 */
final class Installed {
  static final String VERSION = System.getProperty("verge.version");
  private static Installed unpacked;

  final Path home;
  private final Path userHome;

  private Installed(Path home, Path userHome) {
    this.home = home;
    this.userHome = userHome;
  }

  /** One command's exit status and what it printed (stdout and stderr together). */
  record Run(int exit, String output) {}

  /** The archive unpacked once per test JVM. */
  static synchronized Installed archive() throws IOException, InterruptedException {
    if (unpacked == null) {
      Path archive = Path.of(System.getProperty("verge.dist.archive"));
      if (!Files.isRegularFile(archive)) {
        throw new IllegalStateException(
            archive + " is missing: the distribution is built in the package phase (mvn verify)");
      }
      Path root = Files.createTempDirectory("verge-install");
      Run untar =
          exec(
              root,
              List.of("tar", "-xzf", archive.toString(), "-C", root.toString()),
              Map.of("PATH", "/usr/bin:/bin"),
              Duration.ofMinutes(1));
      if (untar.exit() != 0) {
        throw new IllegalStateException("cannot unpack " + archive + ": " + untar.output());
      }
      Path userHome = Files.createDirectories(root.resolve("user-home"));
      unpacked = new Installed(root.resolve("verge-" + VERSION), userHome);
    }
    return unpacked;
  }

  /** Runs {@code bin/verge args} in {@code workDir} and waits at most {@code limit}. */
  Run verge(Path workDir, Duration limit, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(home.resolve("bin/verge").toString());
    command.addAll(List.of(args));
    return exec(
        workDir,
        command,
        Map.of(
            "PATH", "/usr/bin:/bin",
            "HOME", userHome.toString(),
            "JAVA_HOME", System.getProperty("java.home")),
        limit);
  }

  private static Run exec(Path dir, List<String> command, Map<String, String> env, Duration limit)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.environment().clear();
    builder.environment().putAll(env);
    builder.redirectErrorStream(true);
    Path log = Files.createTempFile("verge-run", ".log");
    builder.redirectOutput(log.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process process = builder.start();
    try {
      if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        throw new IllegalStateException(
            String.join(" ", command) + " ran past " + limit + ":\n" + read(log));
      }
      return new Run(process.exitValue(), read(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  private static String read(Path log) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
