package dev.verge.agent.pipeline;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program without a shell, with a time-out and bounded output: what it prints past the limit
 * is read and thrown away (so that it never blocks on a full pipe), and the outcome says it was
 * cut.
 */
final class Processes {
  /** What the error stream keeps, for messages. */
  static final int ERROR_TAIL_BYTES = 2048;

  private Processes() {}

  /** How a run ended. */
  sealed interface Outcome {
    /** It ended by itself. */
    record Exited(int status, byte[] output, boolean truncated, String errors) implements Outcome {
      @Override
      public String toString() {
        return "exited with status " + status + (errors.isBlank() ? "" : ": " + errors.strip());
      }
    }

    /** It ran past its time-out and was killed. */
    record TimedOut(Duration timeout) implements Outcome {
      @Override
      public String toString() {
        return "ran longer than " + timeout.toMillis() + " ms and was killed";
      }
    }

    /** It could not be started. */
    record NotStarted(String reason) implements Outcome {
      @Override
      public String toString() {
        return "could not be started: " + reason;
      }
    }
  }

  static Outcome run(List<String> command, byte[] input, Duration timeout, int maxOutput)
      throws InterruptedException {
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      return new Outcome.NotStarted(e.getMessage());
    }
    Bounded out = new Bounded(maxOutput);
    Bounded err = new Bounded(ERROR_TAIL_BYTES);
    Thread outReader = Thread.ofVirtual().start(() -> out.drain(process.getInputStream()));
    Thread errReader = Thread.ofVirtual().start(() -> err.drain(process.getErrorStream()));
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  try (OutputStream stdin = process.getOutputStream()) {
                    if (input != null) {
                      stdin.write(input);
                    }
                  } catch (IOException e) {
                    // It does not read its input: fine.
                  }
                });
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        return new Outcome.TimedOut(timeout);
      }
      // The streams end with the process (unless a child it left holds them): bounded wait.
      outReader.join(Duration.ofSeconds(2));
      errReader.join(Duration.ofSeconds(2));
      writer.join(Duration.ofSeconds(2));
      return new Outcome.Exited(
          process.exitValue(),
          out.bytes(),
          out.truncated(),
          new String(err.bytes(), StandardCharsets.UTF_8));
    } finally {
      if (process.isAlive()) {
        kill(process);
      }
      outReader.interrupt();
      errReader.interrupt();
    }
  }

  private static void kill(Process process) throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(5, TimeUnit.SECONDS);
  }

  /** Keeps the first {@code limit} bytes of a stream and reads the rest away. */
  private static final class Bounded {
    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private volatile boolean truncated;

    Bounded(int limit) {
      this.limit = limit;
    }

    void drain(InputStream in) {
      byte[] buffer = new byte[8192];
      try (in) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          synchronized (this) {
            int room = limit - kept.size();
            if (n > room) {
              truncated = true;
            }
            kept.write(buffer, 0, Math.max(0, Math.min(n, room)));
          }
        }
      } catch (IOException e) {
        // The process was killed or closed the stream: what was read stays.
      }
    }

    synchronized byte[] bytes() {
      return kept.toByteArray();
    }

    boolean truncated() {
      return truncated;
    }
  }
}
