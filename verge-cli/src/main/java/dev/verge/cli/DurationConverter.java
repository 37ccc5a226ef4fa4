package dev.verge.cli;

import java.time.Duration;
import picocli.CommandLine;

/** Reads durations as people write them: {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}. */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String text) {
    var match = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h)").matcher(text.strip());
    if (!match.matches()) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is not a duration: write e.g. 500ms, 5s, 2m or 1h");
    }
    long amount = Long.parseLong(match.group(1));
    return switch (match.group(2)) {
      case "ms" -> Duration.ofMillis(amount);
      case "s" -> Duration.ofSeconds(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofHours(amount);
    };
  }

  /** {@code d} as {@link #convert} reads it, in the largest unit that keeps it whole: 10m, 90s. */
  public static String format(Duration d) {
    long millis = d.toMillis();
    if (millis % 3_600_000 == 0 && millis != 0) {
      return millis / 3_600_000 + "h";
    }
    if (millis % 60_000 == 0 && millis != 0) {
      return millis / 60_000 + "m";
    }
    if (millis % 1000 == 0) {
      return millis / 1000 + "s";
    }
    return millis + "ms";
  }
}
