package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Engines;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.http.Limits;
import dev.verge.http.LogCapture;
import dev.verge.http.RawHttp;
import dev.verge.http.RequestObserver;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad bodies and slow clients on the agent's inference API, as a new user met them: each is a 4xx
 * with the error body (or a quiet close), never a 500, an empty reply or a stack trace in the log.
 * The server runs with the limits the agent has at {@code -Xmx256m}.
 */
class InferenceEdgeTest {
  private static final long MIB = 1024 * 1024;
  private static final String INFER = "/v2/models/pump/infer";
  private static final Limits AGENT_HEAP_LIMITS =
      Limits.forHeap(256 * MIB, InferenceServer.MAX_BODY_BYTES, InferenceServer.MAX_BODY_BYTES);

  @TempDir Path dir;

  private final ModelRegistry registry = new ModelRegistry();
  private final LogCapture log = new LogCapture();
  private AgentStore store;
  private InferenceServer server;

  @BeforeEach
  void start() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 3, TestModels.logistic())));
    server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            store,
            Optional::empty,
            () -> Map.of(),
            new InferenceServer.Options(
                AGENT_HEAP_LIMITS, Duration.ofMillis(300), RequestObserver.NONE));
  }

  @AfterEach
  void stop() {
    server.close();
    registry.close();
    store.close();
    log.close();
  }

  private RawHttp.Reply post(Map<String, String> headers, byte[] body) throws IOException {
    return RawHttp.send(server.port(), "POST", INFER, headers, body);
  }

  @Test
  void gzip_declared_on_a_body_that_is_not_gzip_is_400_with_the_error_body() throws IOException {
    RawHttp.Reply reply =
        post(
            Map.of("Content-Encoding", "gzip"), "{\"inputs\":[]}".getBytes(StandardCharsets.UTF_8));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).contains("\"error\":").contains("gzip").contains("\"code\":");
  }

  @Test
  void a_body_read_as_utf32_is_400_without_a_java_exception_or_a_logged_stack_trace()
      throws IOException {
    RawHttp.Reply reply = post(Map.of(), "{\0\0\0\"id\":1}".getBytes(StandardCharsets.ISO_8859_1));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.body()).contains("UTF-8").doesNotContain("Exception");
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void a_body_cut_midway_is_a_clean_400_or_close_and_logs_nothing_severe() throws IOException {
    RawHttp.Reply reply =
        RawHttp.cutBody(server.port(), INFER, Map.of(), "{\"inputs\":[{\"name\"".getBytes(), 4096);

    assertThat(reply.status()).isIn(0, 400);
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void a_40_mib_json_infer_body_is_413_before_any_tree_is_built() throws IOException {
    RawHttp.Reply reply = post(Map.of(), jsonInfer(40 * MIB));

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("BODY_TOO_LARGE").contains(Long.toString(8 * MIB));
  }

  @Test
  void a_46_kib_gzip_expanding_to_48_mib_is_413() throws IOException {
    byte[] gzip = gzip(jsonInfer(48 * MIB));
    assertThat(gzip.length).isLessThan(1024 * 1024);

    RawHttp.Reply reply = post(Map.of("Content-Encoding", "gzip"), gzip);

    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("BODY_TOO_LARGE");
  }

  @Test
  void a_client_that_stops_sending_is_closed_after_the_idle_time_out() throws IOException {
    byte[] headersOnly = ("POST " + INFER + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes();
    byte[] halfBody =
        ("POST " + INFER + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 64\r\n\r\n{\"in")
            .getBytes();

    assertThat(RawHttp.closesStalledClient(server.port(), headersOnly, Duration.ofSeconds(5)))
        .isTrue();
    assertThat(RawHttp.closesStalledClient(server.port(), halfBody, Duration.ofSeconds(5)))
        .isTrue();
  }

  /** An infer request of about {@code size} bytes: one FP32 input with many zeros. */
  static byte[] jsonInfer(long size) throws IOException {
    return jsonInfer(size, ",0");
  }

  /** The same, each further element written as {@code element} (such as {@code ",11"}). */
  static byte[] jsonInfer(long size, String element) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) size + 128);
    out.write(
        "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[0"
            .getBytes());
    byte[] more = element.repeat(4096).getBytes();
    while (out.size() < size) {
      out.write(more);
    }
    out.write("]}]}".getBytes());
    return out.toByteArray();
  }

  static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(out)) {
      gzip.write(bytes);
    }
    return out.toByteArray();
  }
}
