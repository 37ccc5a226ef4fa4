package dev.verge.cli.config;

import java.nio.file.Path;

/** Where a setting's value came from, as an error message or {@code verge config check} says it. */
public sealed interface Origin {
  /** Nobody set it: the built-in default. */
  record Default() implements Origin {
    @Override
    public String toString() {
      return "default";
    }
  }

  /** A line of a configuration file. */
  record File(Path file, int line) implements Origin {
    @Override
    public String toString() {
      return file + ":" + line;
    }
  }

  /** An environment variable. */
  record Environment(String variable) implements Origin {
    @Override
    public String toString() {
      return "environment variable " + variable;
    }
  }

  /** A command-line flag. */
  record Flag(String flag) implements Origin {
    @Override
    public String toString() {
      return "flag " + flag;
    }
  }
}
