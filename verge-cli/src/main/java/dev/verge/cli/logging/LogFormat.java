package dev.verge.cli.logging;

/** How log records are written: one line of text each, or one JSON object each. */
public enum LogFormat {
  TEXT,
  JSON
}
