package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Keep-alive connections after refusals, as the fuzz suite found them: an answer after which the
 * server closes the connection says {@code Connection: close}, so a client never sends its next
 * request into a connection that is going away.
 */
class ConnectionReuseTest {
  private HttpEdge edge;

  @BeforeEach
  void start() {
    edge =
        HttpEdge.start(
            HttpEdge.Config.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HttpEdgeTest.LIMITS),
            new RouteTable(List.of(Route.get("/v2", x -> x.json(200, Map.of("ok", true))))));
  }

  @AfterEach
  void stop() {
    edge.close();
  }

  @Test
  void a_refusal_that_leaves_body_bytes_unread_says_connection_close() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "DELETE /v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789");

      String head = head(socket.getInputStream());

      assertThat(head).startsWith("HTTP/1.1 405").containsIgnoringCase("Connection: close");
    }
  }

  @Test
  void an_answer_that_ignores_a_body_still_in_flight_says_connection_close() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "GET /v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789");

      assertThat(head(socket.getInputStream()))
          .startsWith("HTTP/1.1 200")
          .containsIgnoringCase("Connection: close");
    }
  }

  @Test
  void a_request_jetty_cannot_parse_is_answered_with_connection_close() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "GET /v2/%zz HTTP/1.1\r\nHost: x\r\n\r\n");

      assertThat(head(socket.getInputStream()))
          .startsWith("HTTP/1.1 400")
          .containsIgnoringCase("Connection: close");
    }
  }

  @Test
  void a_refusal_of_a_small_body_sent_whole_keeps_the_connection_for_the_next_request()
      throws IOException {
    try (Socket socket = connect()) {
      send(socket, "DELETE /v2 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      InputStream in = socket.getInputStream();
      String first = head(in);
      in.readNBytes(contentLength(first));
      send(socket, "GET /v2 HTTP/1.1\r\nHost: x\r\n\r\n");

      assertThat(first).startsWith("HTTP/1.1 405").doesNotContainIgnoringCase("Connection: close");
      assertThat(head(in)).startsWith("HTTP/1.1 200");
    }
  }

  private Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), edge.port());
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static void send(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int window = 0;
    while (window != 0x0D0A0D0A) {
      int b = in.read();
      if (b < 0) {
        break;
      }
      head.write(b);
      window = (window << 8) | b;
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static int contentLength(String head) {
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
        return Integer.parseInt(line.substring(15).strip());
      }
    }
    return 0;
  }
}
