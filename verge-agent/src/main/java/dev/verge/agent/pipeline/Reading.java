package dev.verge.agent.pipeline;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One reading of a source: its fields (numbers as {@link Double}, anything else as text), and where
 * it came from ({@code readings.csv:12}, {@code synthetic #40}) for messages and request ids.
 */
public record Reading(String origin, Map<String, Object> fields) {
  public Reading {
    Objects.requireNonNull(origin, "origin");
    fields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** The field as a number: a number, true/false as 1/0, or text that reads as one. */
  public double number(String field) {
    Object value = fields.get(field);
    if (value == null) {
      throw new IllegalArgumentException(
          "reading " + origin + " has no field '" + field + "' (it has " + fields.keySet() + ")");
    }
    if (value instanceof Double d) {
      return d;
    }
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    try {
      return Double.parseDouble(value.toString().strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "reading " + origin + ": field '" + field + "' is '" + value + "', not a number");
    }
  }
}
