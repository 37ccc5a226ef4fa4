package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.http.LogCapture;
import dev.verge.http.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad bodies on the hub, as a new user met them: each is a 4xx with the {@code {error, code}} body,
 * never a 500, an empty reply or a stack trace in the log, on the unauthenticated enrollment too.
 */
class HubEdgeTest {
  private static final byte[] UTF32 = "{\0\0\0\"id\":1}".getBytes(StandardCharsets.ISO_8859_1);

  @TempDir Path dir;
  private TestHub hub;
  private final LogCapture log = new LogCapture();

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
    log.close();
  }

  private RawHttp.Reply post(String path, Map<String, String> headers, byte[] body)
      throws IOException {
    return RawHttp.send(hub.hub().port(), "POST", path, headers, body);
  }

  private Map<String, String> admin(Map<String, String> more) {
    var headers = new java.util.HashMap<>(more);
    headers.put("Authorization", "Bearer " + hub.hub().adminToken());
    return headers;
  }

  @Test
  void gzip_declared_on_a_body_that_is_not_gzip_is_400_with_the_error_body() throws IOException {
    Map<String, String> gzip = Map.of("Content-Encoding", "gzip", "Authorization", "Bearer x");
    RawHttp.Reply enroll = post(ApiPaths.ENROLL, gzip, "{\"name\":\"a\"}".getBytes());
    RawHttp.Reply deploy =
        post(
            ApiPaths.DEPLOYMENTS,
            admin(Map.of("Content-Encoding", "gzip")),
            "{\"model\":\"m\"}".getBytes());

    assertThat(enroll.status()).isEqualTo(400);
    assertThat(enroll.body()).contains("gzip").contains("\"code\":\"BAD_REQUEST\"");
    assertThat(deploy.status()).isEqualTo(400);
    assertThat(deploy.body()).contains("gzip");
  }

  @Test
  void a_body_read_as_utf32_on_the_unauthenticated_enroll_is_400_and_logs_no_stack_trace()
      throws IOException {
    for (int i = 0; i < 3; i++) {
      RawHttp.Reply reply = post(ApiPaths.ENROLL, Map.of("Authorization", "Bearer x"), UTF32);

      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.body()).contains("UTF-8").doesNotContain("Exception");
    }
    RawHttp.Reply deploy = post(ApiPaths.DEPLOYMENTS, admin(Map.of()), UTF32);

    assertThat(deploy.status()).isEqualTo(400);
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void a_client_that_cuts_its_body_midway_leaves_no_severe_500_in_the_log() throws IOException {
    RawHttp.Reply enroll =
        RawHttp.cutBody(
            hub.hub().port(),
            ApiPaths.ENROLL,
            Map.of("Authorization", "Bearer x"),
            "{\"name\":".getBytes(),
            2000);
    RawHttp.Reply upload =
        RawHttp.cutBody(
            hub.hub().port(), ApiPaths.MODELS, admin(Map.of()), new byte[1000], 100_000);

    assertThat(enroll.status()).isIn(0, 400);
    assertThat(upload.status()).isIn(0, 400);
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void a_client_that_stops_sending_headers_or_body_is_closed_after_the_idle_time_out()
      throws IOException {
    try (Hub quick =
        Hub.start(
            HubConfig.defaults(dir.resolve("quick")).withPort(0),
            java.time.Clock.systemUTC(),
            java.time.Duration.ofMillis(300))) {
      byte[] headersOnly =
          ("GET " + ApiPaths.MODELS + " HTTP/1.1\r\nHost: 127.0.0.1\r\n").getBytes();
      byte[] halfBody =
          ("POST "
                  + ApiPaths.ENROLL
                  + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 64\r\n\r\n{")
              .getBytes();

      assertThat(
              RawHttp.closesStalledClient(
                  quick.port(), headersOnly, java.time.Duration.ofSeconds(5)))
          .isTrue();
      assertThat(
              RawHttp.closesStalledClient(quick.port(), halfBody, java.time.Duration.ofSeconds(5)))
          .isTrue();
    }
    assertThat(log.warnings()).isEmpty();
  }

  @Test
  void a_small_gzip_that_expands_past_the_json_limit_is_413() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write("{\"model\":\"".getBytes());
      byte[] chunk = "a".repeat(1 << 20).getBytes();
      for (int i = 0; i < 48; i++) {
        gzip.write(chunk);
      }
      gzip.write("\"}".getBytes());
    }

    RawHttp.Reply reply =
        post(ApiPaths.DEPLOYMENTS, admin(Map.of("Content-Encoding", "gzip")), bytes.toByteArray());

    assertThat(bytes.size()).isLessThan(1 << 20);
    assertThat(reply.status()).isEqualTo(413);
    assertThat(reply.body()).contains("BODY_TOO_LARGE");
  }
}
