package dev.verge.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Reads a wave size for {@code --canary} and {@code --waves}: a device count ({@code 3}) or a share
 * of the targeted devices ({@code 5%}), as {@link dev.verge.core.api.RolloutPlan} carries it.
 */
final class RolloutSizeConverter implements CommandLine.ITypeConverter<String> {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,9})(%?)");

  @Override
  public String convert(String text) {
    Matcher m = SIZE.matcher(text.strip());
    if (!m.matches()) {
      throw new CommandLine.TypeConversionException(
          "'" + text + "' is not a wave size: write a device count (3) or a share (5%)");
    }
    int amount = Integer.parseInt(m.group(1));
    boolean share = !m.group(2).isEmpty();
    if (amount < 1 || share && amount > 100) {
      throw new CommandLine.TypeConversionException(
          "'"
              + text
              + "' is not a wave size: "
              + (share ? "a share is 1% to 100%" : "a count is 1 device or more"));
    }
    return amount + m.group(2);
  }

  /** Whether {@code size} (as {@link #convert} returns it) is a share. */
  static boolean isShare(String size) {
    return size.endsWith("%");
  }

  /** The number in {@code size}: a count or a percentage. */
  static int amount(String size) {
    return Integer.parseInt(isShare(size) ? size.substring(0, size.length() - 1) : size);
  }
}
