package dev.verge.cli;

import java.time.LocalTime;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/** Reads {@code --window 01:00-04:00}: the device-local hours in which a new version activates. */
final class WindowHoursConverter implements CommandLine.ITypeConverter<WindowHoursConverter.Hours> {
  private static final Pattern HOURS =
      Pattern.compile("([01]\\d|2[0-3]):([0-5]\\d)\\s*-\\s*([01]\\d|2[0-3]):([0-5]\\d)");

  /** From {@code start} up to {@code end}, across midnight when end is before start. */
  record Hours(LocalTime start, LocalTime end) {}

  @Override
  public Hours convert(String text) {
    Matcher m = HOURS.matcher(text.strip());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException(
          "'"
              + text
              + "' is not a window: write HH:MM-HH:MM in the device's local time, e.g. 01:00-04:00"
              + " (22:00-04:00 crosses midnight)");
    }
    LocalTime start = LocalTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    LocalTime end = LocalTime.of(Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)));
    if (start.equals(end)) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is not a window: its start and end must differ");
    }
    return new Hours(start, end);
  }
}
