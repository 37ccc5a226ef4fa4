package dev.verge.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client cannot send: bodies that lie about
 * their encoding, bodies cut midway, headers that never end. Every read has a time-out.
 */
public final class RawHttp {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private RawHttp() {}

  /** What came back: the status (0 when the connection closed without one) and the body text. */
  public record Reply(int status, String head, String body) {}

  /** Sends one request with {@code Connection: close} and reads the whole answer. */
  public static Reply send(
      int port, String method, String path, Map<String, String> headers, byte[] body)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(head(method, path, headers, body.length).getBytes(StandardCharsets.ISO_8859_1));
      try {
        out.write(body);
        out.flush();
      } catch (IOException e) {
        // The server answered (a 413) and closed before the whole body went: read the answer.
      }
      return parse(readAll(socket.getInputStream()));
    }
  }

  /**
   * Declares {@code declared} bytes, sends {@code sent} of them, then ends its side of the
   * connection, as a client that dies mid-upload does; reads what the server answers, if anything.
   */
  public static Reply cutBody(
      int port, String path, Map<String, String> headers, byte[] sent, int declared)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) READ_TIMEOUT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(head("POST", path, headers, declared).getBytes(StandardCharsets.ISO_8859_1));
      out.write(sent);
      out.flush();
      socket.shutdownOutput();
      return parse(readAll(socket.getInputStream()));
    }
  }

  /**
   * Sends {@code bytes} and then nothing; true when the server closes the connection within {@code
   * within} (having answered or not), false when it still holds it.
   */
  public static boolean closesStalledClient(int port, byte[] bytes, Duration within)
      throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout((int) within.toMillis());
      socket.getOutputStream().write(bytes);
      socket.getOutputStream().flush();
      InputStream in = socket.getInputStream();
      try {
        while (in.read() >= 0) {
          // Whatever the server answers before it closes.
        }
        return true;
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset by the server: closed too
      }
    }
  }

  private static String head(String method, String path, Map<String, String> headers, long length) {
    StringBuilder head = new StringBuilder();
    head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
    head.append("Host: 127.0.0.1\r\nConnection: close\r\n");
    head.append("Content-Length: ").append(length).append("\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    return head.append("\r\n").toString();
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      for (int n; (n = in.read(chunk)) >= 0; ) {
        buffer.write(chunk, 0, n);
      }
    } catch (IOException e) {
      // A reset after the answer: keep what arrived.
    }
    return buffer.toByteArray();
  }

  private static Reply parse(byte[] bytes) {
    String text = new String(bytes, StandardCharsets.UTF_8);
    int end = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || end < 0) {
      return new Reply(0, text, "");
    }
    int status = Integer.parseInt(text.substring(9, 12));
    return new Reply(status, text.substring(0, end), text.substring(end + 4));
  }
}
