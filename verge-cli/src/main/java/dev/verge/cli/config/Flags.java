package dev.verge.cli.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * The flags a user typed, read from picocli's parse result rather than from the option fields, so
 * that a default picocli filled in is never taken for a flag.
 */
public final class Flags {
  private Flags() {}

  /** Flags matched on {@code spec} and the commands above it, by name, values as typed. */
  public static Map<String, List<String>> given(CommandSpec spec) {
    Map<String, List<String>> flags = new LinkedHashMap<>();
    for (CommandSpec command = spec; command != null; command = command.parent()) {
      ParseResult result = command.commandLine().getParseResult();
      if (result == null) {
        continue;
      }
      for (OptionSpec option : result.matchedOptions()) {
        for (String name : option.names()) {
          flags.putIfAbsent(name, option.stringValues());
        }
      }
    }
    return flags;
  }

  /** Shows the catalog's defaults in {@code --help} as {@code ${DEFAULT-VALUE}}. */
  public static class HelpDefaults implements CommandLine.IDefaultValueProvider {
    private final List<Setting<?>> catalog;

    protected HelpDefaults(List<Setting<?>> catalog) {
      this.catalog = catalog;
    }

    @Override
    public String defaultValue(ArgSpec arg) {
      if (arg instanceof OptionSpec option) {
        for (Setting<?> setting : catalog) {
          if (setting.flag().equals(option.longestName())) {
            return setting.defaultText();
          }
        }
      }
      return null;
    }
  }
}
