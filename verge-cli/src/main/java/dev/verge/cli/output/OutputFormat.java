package dev.verge.cli.output;

/** How a command prints what it found. */
public enum OutputFormat {
  /** Aligned columns for people. */
  table,
  /** JSON for programs. */
  json
}
