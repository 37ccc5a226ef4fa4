package dev.verge.http;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.ZipException;

/** Request body streams: a bound on the decoded bytes, and how broken bodies are reported. */
final class Bodies {
  private Bodies() {}

  /**
   * A failure while reading a body: bad compressed data is the client's mistake (400); a body that
   * ends early or a connection that goes away is too (400, logged at DEBUG by the layer).
   */
  static HttpFailure broken(IOException e) {
    if (e instanceof ZipException) {
      return new HttpFailure.BadRequest(
          "the body is not valid compressed data though Content-Encoding says so: "
              + e.getMessage(),
          e);
    }
    if (e instanceof java.io.EOFException) {
      return new HttpFailure.BadRequest("the request body ended early: " + e.getMessage(), e);
    }
    return new HttpFailure.BadRequest("the request body broke off: " + e.getMessage(), e);
  }

  /**
   * Up to this much of a declared length is allocated before any of it arrives: a client that
   * declares a large body and sends it slowly holds no more until its bytes come.
   */
  static final int FIRST_ALLOCATION = 4 * 1024 * 1024;

  /**
   * Reads a body of {@code length} declared bytes (already checked against its limit): into one
   * array of that size when it is small, else growing towards it as the bytes come.
   *
   * @throws HttpFailure.BadRequest when the body ends before its declared length
   */
  static byte[] declared(InputStream in, long length, String what) throws IOException {
    int size = Math.toIntExact(length);
    byte[] bytes = new byte[Math.min(size, FIRST_ALLOCATION)];
    int read = 0;
    while (read < size) {
      if (read == bytes.length) {
        bytes = Arrays.copyOf(bytes, (int) Math.min(size, 2L * bytes.length));
      }
      int n = in.read(bytes, read, bytes.length - read);
      if (n < 0) {
        throw new HttpFailure.BadRequest(
            what + " ended after " + read + " of its declared " + length + " bytes");
      }
      read += n;
    }
    return bytes;
  }

  /** Counts what is read and refuses with 413 past the limit. */
  static final class Bounded extends FilterInputStream {
    private final long limit;
    private final String what;
    private long read;

    Bounded(InputStream in, long limit, String what) {
      super(in);
      this.limit = limit;
      this.what = what;
    }

    @Override
    public int read() throws IOException {
      int b = in.read();
      if (b >= 0) {
        count(1);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = in.read(buffer, offset, length);
      if (n > 0) {
        count(n);
      }
      return n;
    }

    private void count(int n) {
      read += n;
      if (read > limit) {
        throw new HttpFailure.BodyTooLarge(what, limit);
      }
    }
  }
}
