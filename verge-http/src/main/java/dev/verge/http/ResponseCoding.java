package dev.verge.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The content coding of an answer, as the client's {@code Accept-Encoding} allows (RFC 9110
 * §12.5.3): gzip when accepted, else deflate, else none. Small answers go as they are: their
 * headers outweigh what compression would save.
 */
final class ResponseCoding {
  /** Answers shorter than this are never compressed. */
  static final int MIN_BYTES = 1024;

  private ResponseCoding() {}

  /** The coding to answer {@code length} bytes with, empty for the identity. */
  static Optional<String> choose(String acceptEncoding, int length) {
    if (acceptEncoding == null || length < MIN_BYTES) {
      return Optional.empty();
    }
    double gzip = -1;
    double deflate = -1;
    double any = -1;
    for (String item : acceptEncoding.split(",")) {
      String[] parts = item.split(";");
      String coding = parts[0].strip().toLowerCase(Locale.ROOT);
      double q = quality(parts);
      switch (coding) {
        case "gzip", "x-gzip" -> gzip = q;
        case "deflate" -> deflate = q;
        case "*" -> any = q;
        default -> {}
      }
    }
    if (gzip < 0) {
      gzip = any;
    }
    if (deflate < 0) {
      deflate = any;
    }
    if (gzip > 0 && gzip >= deflate) {
      return Optional.of("gzip");
    }
    return deflate > 0 ? Optional.of("deflate") : Optional.empty();
  }

  /** The {@code q} parameter, 1 when absent, 0 (not acceptable) when malformed. */
  private static double quality(String[] parts) {
    for (int i = 1; i < parts.length; i++) {
      String parameter = parts[i].strip();
      if (parameter.regionMatches(true, 0, "q=", 0, 2)) {
        try {
          double q = Double.parseDouble(parameter.substring(2).strip());
          return q >= 0 && q <= 1 ? q : 0;
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 1;
  }

  static byte[] encode(String coding, byte[] body) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(Math.max(64, body.length / 4));
    try (OutputStream out =
        coding.equals("gzip") ? new GZIPOutputStream(buffer) : new DeflaterOutputStream(buffer)) {
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot compress an answer in memory", e);
    }
    return buffer.toByteArray();
  }
}
