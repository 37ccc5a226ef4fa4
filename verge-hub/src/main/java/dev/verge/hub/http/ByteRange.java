package dev.verge.hub.http;

import dev.verge.hub.HubException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One satisfiable byte range of a resource, from an HTTP {@code Range} header (RFC 9110). */
record ByteRange(long first, long last, long size) {
  private static final Pattern SPEC = Pattern.compile("(\\d*)-(\\d*)");

  long length() {
    return last - first + 1;
  }

  String contentRange() {
    return "bytes " + first + "-" + last + "/" + size;
  }

  /**
   * The range {@code header} asks for. Headers this server does not serve ranges for (another unit,
   * several ranges, malformed) are ignored, as RFC 9110 allows: empty, so the whole resource goes.
   *
   * @throws HubException.RangeOutsideBundle when the range lies outside the resource
   */
  static Optional<ByteRange> parse(String header, long size) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.strip();
    if (!value.regionMatches(true, 0, "bytes=", 0, 6)) {
      return Optional.empty();
    }
    String spec = value.substring(6).strip();
    Matcher m = SPEC.matcher(spec);
    if (spec.contains(",") || !m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
      return Optional.empty();
    }
    if (m.group(1).isEmpty()) {
      long suffix = number(m.group(2));
      if (suffix == 0 || size == 0) {
        throw unsatisfiable(header, size);
      }
      return Optional.of(new ByteRange(Math.max(0, size - suffix), size - 1, size));
    }
    long first = number(m.group(1));
    long last = m.group(2).isEmpty() ? Long.MAX_VALUE : number(m.group(2));
    if (last < first) {
      return Optional.empty();
    }
    if (first >= size) {
      throw unsatisfiable(header, size);
    }
    return Optional.of(new ByteRange(first, Math.min(last, size - 1), size));
  }

  private static long number(String digits) {
    try {
      return Long.parseLong(digits);
    } catch (NumberFormatException e) {
      return Long.MAX_VALUE;
    }
  }

  private static HubException unsatisfiable(String header, long size) {
    return new HubException.RangeOutsideBundle(
        "Range '" + header + "' lies outside the " + size + " bytes of this resource", size);
  }
}
