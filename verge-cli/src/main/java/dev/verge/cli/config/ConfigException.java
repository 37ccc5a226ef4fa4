package dev.verge.cli.config;

import java.util.List;

/**
 * A configuration that cannot be used: every problem found, each naming the setting, where its
 * value came from and what is allowed.
 */
public final class ConfigException extends RuntimeException {
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("\n", problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  public List<String> problems() {
    return problems;
  }
}
