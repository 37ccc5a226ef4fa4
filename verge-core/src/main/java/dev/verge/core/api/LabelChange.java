package dev.verge.core.api;

import java.util.List;
import java.util.Map;

/**
 * An operator's change to a device's labels ({@code PATCH /api/v1/devices/{id}/labels}): pairs to
 * set and keys to remove. Operator labels win over the labels the device reports.
 */
public record LabelChange(Map<String, String> set, List<String> remove) {
  public LabelChange {
    set = set == null ? Map.of() : Map.copyOf(set);
    remove = remove == null ? List.of() : List.copyOf(remove);
  }
}
