package dev.verge.cli.logging;

import java.io.PrintStream;
import java.util.function.Supplier;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Sets up how a Verge program logs: every library logs through {@code java.util.logging} (Verge's
 * own code through {@code System.Logger}, Flyway and sqlite-jdbc through it too), and its root
 * logger gets exactly one handler, so no record is printed twice however often this runs.
 */
public final class Logging {
  /**
   * Held strongly: {@code java.util.logging} keeps loggers weakly, and a level set on a collected
   * logger is lost.
   */
  private static final Logger VERGE = Logger.getLogger("dev.verge");

  private static final Logger FLYWAY = Logger.getLogger("org.flywaydb");

  private Logging() {}

  /** Logs to standard error (as it is when a record is written, so tests can capture it). */
  public static void configure(LogFormat format, LogLevel level) {
    configure(format, level, () -> System.err);
  }

  public static synchronized void configure(
      LogFormat format, LogLevel level, Supplier<PrintStream> out) {
    Logger root = LogManager.getLogManager().getLogger("");
    for (Handler handler : root.getHandlers()) {
      root.removeHandler(handler);
      handler.close();
    }
    root.addHandler(new ConsoleLogHandler(format, level.jul(), out));
    // DEBUG opens Verge and Flyway (whose INFO chatter is shown as DEBUG), not every JDK
    // internal that logs at FINE.
    root.setLevel(level == LogLevel.DEBUG ? LogLevel.INFO.jul() : level.jul());
    VERGE.setLevel(level.jul());
    FLYWAY.setLevel(level == LogLevel.DEBUG ? level.jul() : LogLevel.INFO.jul());
  }
}
