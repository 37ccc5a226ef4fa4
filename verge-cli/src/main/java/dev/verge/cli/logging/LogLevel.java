package dev.verge.cli.logging;

import java.util.logging.Level;

/** The least severe records shown, named as log pipelines name them. */
public enum LogLevel {
  ERROR(Level.SEVERE),
  WARN(Level.WARNING),
  INFO(Level.INFO),
  DEBUG(Level.FINE);

  private final Level jul;

  LogLevel(Level jul) {
    this.jul = jul;
  }

  Level jul() {
    return jul;
  }

  /** The name a JSON record carries for a {@code java.util.logging} level. */
  static String nameOf(Level level) {
    int value = level.intValue();
    if (value >= Level.SEVERE.intValue()) {
      return "ERROR";
    }
    if (value >= Level.WARNING.intValue()) {
      return "WARN";
    }
    if (value >= Level.INFO.intValue()) {
      return "INFO";
    }
    return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
  }
}
