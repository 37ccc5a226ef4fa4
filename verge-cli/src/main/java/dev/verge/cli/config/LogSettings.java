package dev.verge.cli.config;

import dev.verge.cli.logging.LogFormat;
import dev.verge.cli.logging.LogLevel;

/** How every Verge program logs; the same two settings in the hub's and the agent's files. */
public final class LogSettings {
  public static final Setting<LogFormat> FORMAT =
      Setting.of(
              "log",
              "log-format",
              Parsers.oneOf(LogFormat.class),
              Parsers.names(LogFormat.class),
              () -> LogFormat.TEXT,
              "text")
          .withEnv("VERGE_LOG_FORMAT");

  public static final Setting<LogLevel> LEVEL =
      Setting.of(
              "log",
              "log-level",
              Parsers.oneOf(LogLevel.class),
              Parsers.names(LogLevel.class),
              () -> LogLevel.INFO,
              "info")
          .withEnv("VERGE_LOG_LEVEL");

  private LogSettings() {}
}
