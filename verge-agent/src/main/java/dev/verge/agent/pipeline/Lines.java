package dev.verge.agent.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CSV or JSON-lines text into readings, line by line and bounded: a line longer than {@link
 * #MAX_LINE_BYTES} is refused (and skipped) before it is held whole. Counts bytes, so a followed
 * file resumes exactly after the last complete line it read.
 */
final class Lines {
  static final int MAX_LINE_BYTES = 64 * 1024;

  /** What one pass read: the readings, the lines refused and why, and the bytes consumed. */
  record Parsed(List<Reading> readings, List<String> rejected, long consumed, boolean more) {}

  private Lines() {}

  /**
   * Reads up to {@code max} readings from {@code in}, which starts {@code start} bytes into {@code
   * name}.
   *
   * @param header the CSV header's fields (null for JSON lines, or for CSV whose first line, at
   *     {@code start} 0, is the header)
   * @param partialLast whether a last line without a newline counts (a whole file), or waits for
   *     the rest (a followed file still being written)
   */
  static Parsed read(
      InputStream in,
      String name,
      Source.Format format,
      List<String> header,
      long start,
      int max,
      boolean partialLast)
      throws IOException {
    List<Reading> readings = new ArrayList<>();
    List<String> rejected = new ArrayList<>();
    byte[] line = new byte[MAX_LINE_BYTES];
    long consumed = 0;
    long lineNumber = 0;
    List<String> columns = header;
    int length = 0;
    boolean overlong = false;
    long lineBytes = 0;
    while (readings.size() < max) {
      int b = in.read();
      if (b < 0) {
        if (partialLast && lineBytes > 0) {
          consumed += lineBytes;
          lineNumber++;
          columns =
              take(
                  line,
                  length,
                  overlong,
                  name,
                  start,
                  lineNumber,
                  format,
                  columns,
                  readings,
                  rejected);
        }
        return new Parsed(readings, rejected, consumed, false);
      }
      lineBytes++;
      if (b != '\n') {
        if (length < MAX_LINE_BYTES) {
          line[length++] = (byte) b;
        } else {
          overlong = true;
        }
        continue;
      }
      consumed += lineBytes;
      lineNumber++;
      columns =
          take(
              line, length, overlong, name, start, lineNumber, format, columns, readings, rejected);
      length = 0;
      lineBytes = 0;
      overlong = false;
    }
    return new Parsed(readings, rejected, consumed, true);
  }

  /** Handles one line; returns the CSV columns (the header, once read). */
  private static List<String> take(
      byte[] line,
      int length,
      boolean overlong,
      String name,
      long start,
      long lineNumber,
      Source.Format format,
      List<String> columns,
      List<Reading> readings,
      List<String> rejected) {
    String origin = start == 0 ? name + ":" + lineNumber : name + "@" + start + "+" + lineNumber;
    if (overlong) {
      rejected.add(origin + " is longer than " + MAX_LINE_BYTES + " bytes");
      return columns;
    }
    String text = new String(line, 0, length, StandardCharsets.UTF_8).strip();
    if (text.isEmpty() || text.startsWith("#")) {
      return columns;
    }
    if (format == Source.Format.CSV) {
      List<String> cells = csv(text);
      if (columns == null) {
        return cells;
      }
      if (cells.size() != columns.size()) {
        rejected.add(
            origin + " has " + cells.size() + " values; the header names " + columns.size());
        return columns;
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      for (int i = 0; i < cells.size(); i++) {
        fields.put(columns.get(i), number(cells.get(i)));
      }
      readings.add(new Reading(origin, fields));
      return columns;
    }
    try {
      JsonNode node = Json.tree(text.getBytes(StandardCharsets.UTF_8));
      if (!node.isObject()) {
        rejected.add(origin + " is not a JSON object");
        return columns;
      }
      Map<String, Object> fields = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        JsonNode value = field.getValue();
        fields.put(
            field.getKey(),
            value.isNumber()
                ? (Object) value.asDouble()
                : value.isBoolean() ? (Object) value.asBoolean() : value.asText());
      }
      readings.add(new Reading(origin, fields));
    } catch (JsonFormatException e) {
      rejected.add(origin + " is not valid JSON (" + e.getMessage() + ")");
    }
    return columns;
  }

  /** The first line of a CSV text, as its header; null when there is none yet. */
  static List<String> header(InputStream in, String name) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int b;
    for (b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      if (out.size() >= MAX_LINE_BYTES) {
        throw new IOException(
            name + ": the CSV header is longer than " + MAX_LINE_BYTES + " bytes");
      }
      out.write(b);
    }
    String text = out.toString(StandardCharsets.UTF_8).strip();
    return b < 0 || text.isEmpty() ? null : csv(text);
  }

  private static List<String> csv(String text) {
    List<String> cells = new ArrayList<>();
    for (String cell : text.split(",", -1)) {
      String c = cell.strip();
      if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) {
        c = c.substring(1, c.length() - 1);
      }
      cells.add(c);
    }
    return cells;
  }

  private static Object number(String cell) {
    try {
      return Double.parseDouble(cell);
    } catch (NumberFormatException e) {
      return cell;
    }
  }
}
