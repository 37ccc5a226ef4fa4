package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the README's "By hand, step by step" block command by command against the unpacked release
 * archive, so the documented path cannot rot silently. It runs in a network namespace of its own,
 * so the README's fixed ports (8420, 7080) never meet another server.
 */
class ReadmeWalkthroughTest {
  private static final Path README = Path.of(System.getProperty("verge.readme"));
  private static final Pattern PORT = Pattern.compile("--port[= ](\\d+)");

  @Test
  void the_readme_walkthrough_runs_as_written(@TempDir Path work) throws Exception {
    List<String> commands = walkthrough(Files.readString(README));
    assertThat(commands).hasSizeGreaterThan(10);

    Path script = Files.writeString(work.resolve("walkthrough.sh"), script(commands));
    String transcript = run(work, script);

    List<String> versions = new ArrayList<>();
    Matcher m = Pattern.compile("\"model_version\":\"(\\d+)\"").matcher(transcript);
    while (m.find()) {
      versions.add(m.group(1));
    }
    assertThat(versions).as(transcript).containsExactly("1", "2", "1");
    assertThat(transcript).contains("input", "FP32", "[-1, 2]", "pump v1");
  }

  /** The commands of the README's walkthrough block, comments and blank lines dropped. */
  static List<String> walkthrough(String readme) {
    int section = readme.indexOf("\n## By hand, step by step");
    assertThat(section).as("README has a 'By hand, step by step' section").isPositive();
    int end = readme.indexOf("\n## ", section + 1);
    String text = readme.substring(section, end < 0 ? readme.length() : end);
    int open = text.indexOf("```bash\n");
    int close = text.indexOf("\n```", open + 8);
    List<String> commands = new ArrayList<>();
    for (String line : text.substring(open + 8, close).split("\n")) {
      String command = line.replaceFirst("\\s+#\\s.*$", "").strip();
      if (!command.isEmpty() && !command.startsWith("#")) {
        commands.add(command);
      }
    }
    return commands;
  }

  /**
   * A bash script that echoes and runs each command and stops at the first failure. A command
   * ending in {@code &} runs in the background, as in a terminal of its own; the next command waits
   * until the port it names ({@code --port N}) accepts connections, as a person waits for the
   * server's first line.
   */
  static String script(List<String> commands) {
    StringBuilder s = new StringBuilder();
    s.append("set -euo pipefail\n");
    s.append("ip link set lo up\n");
    s.append("trap 'kill $(jobs -p) 2>/dev/null || true; wait' EXIT\n");
    s.append(
        """
        ready() {
          for _ in $(seq 1 600); do
            (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
            sleep 0.1
          done
          echo "nothing listens on port $1 after 60 s; its log:"; cat "$2"; return 1
        }
        """);
    int background = 0;
    for (String command : commands) {
      s.append("echo ").append(quote("$ " + command)).append('\n');
      if (command.endsWith("&")) {
        Matcher port = PORT.matcher(command);
        assertThat(port.find()).as("a background command names its --port: " + command).isTrue();
        String log = "background-" + ++background + ".log";
        s.append(command, 0, command.length() - 1)
            .append(" >")
            .append(log)
            .append(" 2>&1 &\n")
            .append("ready ")
            .append(port.group(1))
            .append(' ')
            .append(log)
            .append('\n');
      } else {
        s.append(command).append("\necho\n");
      }
    }
    return s.toString();
  }

  private static String quote(String text) {
    return "'" + text.replace("'", "'\\''") + "'";
  }

  private static String run(Path work, Path script) throws IOException, InterruptedException {
    Installed verge = Installed.archive();
    ProcessBuilder builder =
        new ProcessBuilder("unshare", "--map-root-user", "--net", "bash", script.toString())
            .directory(work.toFile())
            .redirectErrorStream(true);
    builder.environment().clear();
    builder.environment().put("PATH", verge.home.resolve("bin") + ":/usr/bin:/bin:/usr/sbin:/sbin");
    builder.environment().put("HOME", work.toString());
    // The JVM takes its home from the password database, not HOME: keep ~/.verge in the test.
    builder.environment().put("VERGE_JAVA_OPTS", "-Duser.home=" + work);
    builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
    Path log = work.resolve("transcript.log");
    builder.redirectOutput(log.toFile());
    builder.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process process = builder.start();
    Duration limit = Duration.ofMinutes(4);
    boolean done = process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
    if (!done) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    String transcript = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("walkthrough finished within " + limit + ":\n" + transcript).isTrue();
    assertThat(process.exitValue()).as(transcript).isZero();
    return transcript;
  }
}
