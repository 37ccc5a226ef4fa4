package dev.verge.cli;

import dev.verge.cli.output.OutputFormat;
import dev.verge.core.json.Json;
import picocli.CommandLine.Option;

/** {@code --output table|json}. */
public final class OutputOptions {
  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table (default) or json.")
  OutputFormat format;

  boolean json() {
    return format == OutputFormat.json;
  }

  /** Prints {@code value} as JSON when asked to and says whether it did. */
  boolean printedJson(Object value) {
    if (json()) {
      System.out.println(Json.pretty(value));
      return true;
    }
    return false;
  }
}
