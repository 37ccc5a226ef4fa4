package dev.verge.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How the fault and failover tests run the unpacked distribution's {@code bin/verge} as a separate
 * process (the launcher execs Java, so the process is the JVM itself): a clean environment, its
 * output in one log file, SIGKILL or SIGTERM to end it.
 */
final class VergeProcess {
  private VergeProcess() {}

  /** Starts {@code bin/verge args}, HOME at {@code home}, stdout and stderr into {@code log}. */
  static Process launch(Installed verge, List<String> args, Path home, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(verge.home.resolve("bin/verge").toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().put("PATH", "/usr/bin:/bin");
    builder.environment().put("HOME", home.toString());
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
    builder.redirectErrorStream(true);
    builder.redirectOutput(log.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    return builder.start();
  }

  /** SIGKILL: no shutdown hook, nothing flushed or released; waits until the process is gone. */
  static void kill(Process process, String what) throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(what + " outlived SIGKILL for 30 s");
      }
    }
  }

  /** SIGTERM, then SIGKILL if the process has not ended within 30 s. */
  static void stop(Process process, String what) throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        kill(process, what);
      }
    }
  }

  /** The last 4,000 characters of {@code log}. */
  static String tail(Path log) {
    try {
      String text = Files.readString(log, StandardCharsets.UTF_8);
      return text.length() <= 4000 ? text : text.substring(text.length() - 4000);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
