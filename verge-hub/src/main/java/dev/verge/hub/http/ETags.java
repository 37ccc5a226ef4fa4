package dev.verge.hub.http;

/** Entity tags as HTTP writes them, and {@code If-None-Match} / {@code If-Range} comparison. */
final class ETags {
  private ETags() {}

  static String quote(String value) {
    return "\"" + value + "\"";
  }

  /** Whether an {@code If-None-Match} header (a list, possibly weak or {@code *}) names value. */
  static boolean matches(String header, String value) {
    if (header == null) {
      return false;
    }
    for (String tag : header.split(",")) {
      String t = tag.strip();
      if (t.equals("*")) {
        return true;
      }
      if (t.startsWith("W/")) {
        t = t.substring(2);
      }
      if (t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")) {
        t = t.substring(1, t.length() - 1);
      }
      if (t.equals(value)) {
        return true;
      }
    }
    return false;
  }
}
