package dev.verge.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.store.SqliteAgentStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process killed right after answering loses at most the loss window: in buffered mode the queue,
 * in sync mode nothing. Runs {@link KilledWriter} in a JVM of its own, halted without closing.
 */
class KillTest {
  private static final int QUEUE = 64;
  private static final int COUNT = 3_000;

  @TempDir Path dir;

  @Test
  void a_kill_in_buffered_mode_loses_at_most_the_queue() throws Exception {
    Path file = dir.resolve("buffered.db");

    int answered = runAndKill(file, "buffered");

    long stored = stored(file);
    assertThat(answered).isEqualTo(COUNT);
    assertThat(stored).isBetween((long) COUNT - QUEUE, (long) COUNT);
  }

  @Test
  void a_kill_in_sync_mode_loses_nothing_answered() throws Exception {
    Path file = dir.resolve("sync.db");

    int answered = runAndKill(file, "sync");

    assertThat(answered).isEqualTo(COUNT);
    assertThat(stored(file)).isEqualTo(COUNT);
  }

  private static long stored(Path file) {
    try (SqliteAgentStore store = SqliteAgentStore.open(file)) {
      return store.unsynced(COUNT + 1).size();
    }
  }

  private static int runAndKill(Path file, String mode) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>();
    command.add(java);
    command.add("--enable-native-access=ALL-UNNAMED");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(KilledWriter.class.getName());
    command.add(file.toString());
    command.add(mode);
    command.add(Integer.toString(COUNT));
    command.add(Integer.toString(QUEUE));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output;
    try (var in = process.getInputStream()) {
      output = new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
    }
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the writer process did not end within 60 s: " + output);
    }
    assertThat(process.exitValue()).as(output).isZero();
    return output
        .lines()
        .filter(l -> l.startsWith("answered "))
        .map(l -> Integer.parseInt(l.substring("answered ".length()).strip()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no count in: " + output));
  }
}
