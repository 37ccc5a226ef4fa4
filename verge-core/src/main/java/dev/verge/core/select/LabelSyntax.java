package dev.verge.core.select;

import java.util.regex.Pattern;

/**
 * What a device label may look like, shared by selectors, the hub and the CLI: a key of 1-63
 * letters, digits, '.', '_', '/' or '-' starting with a letter or digit, and a value of at most 255
 * characters.
 */
public final class LabelSyntax {
  /** The longest label value. */
  public static final int MAX_VALUE_LENGTH = 255;

  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

  private LabelSyntax() {}

  /** Whether {@code key} may name a label. */
  public static boolean isKey(String key) {
    return key != null && KEY.matcher(key).matches();
  }

  /** Whether {@code value} may be a label's value. */
  public static boolean isValue(String value) {
    return value != null && value.length() <= MAX_VALUE_LENGTH;
  }

  /** Why {@code key} cannot name a label, for messages: "key 'x!' must be ...". */
  public static String keyProblem(String key) {
    return "key '"
        + key
        + "' must be 1-63 letters, digits, '.', '_', '/' or '-', starting with a letter or digit";
  }

  /** Why {@code value} cannot be the value of {@code key}, for messages. */
  public static String valueProblem(String key) {
    return "value of '" + key + "' must be a string of at most " + MAX_VALUE_LENGTH + " characters";
  }
}
