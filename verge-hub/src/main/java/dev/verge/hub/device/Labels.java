package dev.verge.hub.device;

import dev.verge.hub.HubException;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** Device labels and the selectors that pick devices by them. */
public final class Labels {
  static final int MAX_LABELS = 64;
  static final int MAX_VALUE_LENGTH = 255;
  private static final String KEY_RULE =
      "must be 1-63 letters, digits, '.', '_', '/' or '-', starting with a letter or digit";
  private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}");

  private Labels() {}

  /** Whether {@code labels} hold every pair of {@code selector}; an empty selector matches all. */
  public static boolean matches(Map<String, String> labels, Map<String, String> selector) {
    for (Map.Entry<String, String> wanted : selector.entrySet()) {
      if (!wanted.getValue().equals(labels.get(wanted.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks keys and values, naming {@code what} ("labels", "selector") in the message.
   *
   * @throws HubException.InvalidInput naming the first bad pair
   */
  public static Map<String, String> requireValid(Map<String, String> labels, String what) {
    if (labels.size() > MAX_LABELS) {
      throw new HubException.InvalidInput(
          what + " may hold at most " + MAX_LABELS + " pairs, got " + labels.size());
    }
    for (Map.Entry<String, String> label : labels.entrySet()) {
      if (label.getKey() == null || !KEY.matcher(label.getKey()).matches()) {
        throw new HubException.InvalidInput(what + " key '" + label.getKey() + "' " + KEY_RULE);
      }
      requireUnreserved(label.getKey(), what);
      if (label.getValue() == null || label.getValue().length() > MAX_VALUE_LENGTH) {
        throw new HubException.InvalidInput(
            what
                + " value of '"
                + label.getKey()
                + "' must be a string of at most "
                + MAX_VALUE_LENGTH
                + " characters");
      }
    }
    return labels;
  }

  /**
   * Checks label keys, naming {@code what} ("remove") in the message.
   *
   * @throws HubException.InvalidInput naming the first bad key
   */
  public static List<String> requireValidKeys(List<String> keys, String what) {
    if (keys.size() > MAX_LABELS) {
      throw new HubException.InvalidInput(
          what + " may hold at most " + MAX_LABELS + " keys, got " + keys.size());
    }
    for (String key : keys) {
      if (key == null || !KEY.matcher(key).matches()) {
        throw new HubException.InvalidInput(what + " key '" + key + "' " + KEY_RULE);
      }
      requireUnreserved(key, what);
    }
    return keys;
  }

  private static void requireUnreserved(String key, String what) {
    if (ProfileLabels.isReserved(key)) {
      throw new HubException.InvalidInput(
          what
              + " key '"
              + key
              + "' is reserved: keys under "
              + ProfileLabels.PREFIX
              + " come from the device's hardware profile");
    }
  }
}
