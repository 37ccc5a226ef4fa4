package dev.verge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;

/**
 * Runs {@code verge} in this JVM through {@link Main#run} and captures what it printed. Swaps
 * {@code System.out} and {@code System.err}, so tests using it must not run in parallel.
 */
final class Cli {
  private Cli() {}

  /** What one run of {@code verge} did. */
  record Result(int exit, String out, String err) {
    /** Standard output read as JSON, for {@code --output json}. */
    JsonNode json() {
      return Json.tree(out.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * What the command itself said on standard error, its {@code verge: ...} lines, without the log
     * records of the in-process hub and agents a test runs beside it.
     */
    String said() {
      return err.lines()
          .filter(line -> line.startsWith("verge:"))
          .map(line -> line + "\n")
          .collect(Collectors.joining());
    }

    /** Both streams, for failure messages. */
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
  }

  static Result run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    int exit;
    try (PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      System.setOut(capturedOut);
      System.setErr(capturedErr);
      try {
        exit = Main.run(args);
      } finally {
        System.setOut(originalOut);
        System.setErr(originalErr);
      }
    }
    return new Result(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
