package dev.verge.cli.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A nested value of a configuration file (the agent's {@code pipelines:}), as written, each node
 * with the line it starts on, so that a bad value is named by file and line.
 */
public sealed interface ConfigTree {
  int line();

  /** A plain value, as its text. */
  record Scalar(String text, int line) implements ConfigTree {}

  /** A YAML sequence. */
  record Sequence(List<ConfigTree> items, int line) implements ConfigTree {
    public Sequence {
      items = List.copyOf(items);
    }
  }

  /** A YAML mapping, in file order. */
  record Mapping(Map<String, ConfigTree> entries, int line) implements ConfigTree {
    public Mapping {
      entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }
  }
}
