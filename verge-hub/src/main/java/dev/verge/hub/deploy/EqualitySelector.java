package dev.verge.hub.deploy;

import dev.verge.hub.HubException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a selector of equality pairs, {@code site=lab,arch=arm64}, until the full grammar lands.
 */
public final class EqualitySelector {
  private EqualitySelector() {}

  /**
   * @throws HubException.InvalidInput naming the part that is not {@code key=value}
   */
  public static Map<String, String> pairs(String selector) {
    Map<String, String> pairs = new LinkedHashMap<>();
    if (selector == null || selector.isBlank()) {
      return pairs;
    }
    for (String part : selector.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new HubException.InvalidInput(
            "selector part '" + part.strip() + "' is not key=value");
      }
      pairs.put(part.substring(0, eq).strip(), part.substring(eq + 1).strip());
    }
    return pairs;
  }
}
