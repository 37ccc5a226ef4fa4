package dev.verge.agent.sync;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A raw HTTP/1.1 server of one body that sends bytes up to {@code stopAt} and then nothing more,
 * keeping every connection open without closing it: a hub or link that stops mid-body. It answers
 * {@code Range} with 206. Every request's Range header (or "-") is kept in {@link #ranges}.
 */
final class StoppingServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("(?im)^range: bytes=(\\d+)-\\s*$");

  final List<String> ranges = new CopyOnWriteArrayList<>();
  private final byte[] body;
  private final int stopAt;
  private final ServerSocket server;
  private final List<Socket> open = new CopyOnWriteArrayList<>();

  StoppingServer(byte[] body, int stopAt) {
    this.body = body;
    this.stopAt = stopAt;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread.ofVirtual().name("stopping-server").start(this::accept);
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        open.add(socket);
        Thread.ofVirtual().start(() -> serve(socket));
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket socket) {
    try {
      InputStream in = socket.getInputStream();
      StringBuilder head = new StringBuilder();
      while (!head.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          return;
        }
        head.append((char) b);
      }
      Matcher range = RANGE.matcher(head);
      int from = range.find() ? Integer.parseInt(range.group(1)) : 0;
      ranges.add(from == 0 ? "-" : "bytes=" + from + "-");
      String status =
          from == 0
              ? "200 OK"
              : "206 Partial Content\r\nContent-Range: bytes "
                  + from
                  + "-"
                  + (body.length - 1)
                  + "/"
                  + body.length;
      OutputStream out = socket.getOutputStream();
      out.write(
          ("HTTP/1.1 "
                  + status
                  + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
                  + (body.length - from)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      if (stopAt > from) {
        out.write(body, from, stopAt - from);
      }
      out.flush();
      // Then nothing: the connection stays open until the test closes the server.
    } catch (IOException e) {
      // The client gave up: what a stalled download does.
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket socket : open) {
      socket.close();
    }
  }
}
