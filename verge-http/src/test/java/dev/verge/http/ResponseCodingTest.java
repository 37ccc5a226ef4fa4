package dev.verge.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ResponseCodingTest {
  private static final byte[] LARGE = "0123456789abcdef".repeat(512).getBytes();
  private final HttpClient client = HttpClient.newHttpClient();
  private HttpEdge edge;

  @BeforeEach
  void start() {
    edge =
        HttpEdge.start(
            HttpEdge.Config.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), HttpEdgeTest.LIMITS),
            new RouteTable(
                List.of(
                    Route.get("/large", x -> x.bytes(200, "text/plain", LARGE)),
                    Route.get("/small", x -> x.bytes(200, "text/plain", "tiny".getBytes())))));
  }

  @AfterEach
  void stop() {
    edge.close();
  }

  private HttpResponse<byte[]> get(String path, String acceptEncoding)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .timeout(Duration.ofSeconds(10));
    if (acceptEncoding != null) {
      request.header("Accept-Encoding", acceptEncoding);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void compresses_a_large_answer_with_gzip_when_the_client_accepts_it() throws Exception {
    HttpResponse<byte[]> response = get("/large", "gzip, deflate");

    assertThat(response.headers().firstValue("Content-Encoding")).hasValue("gzip");
    assertThat(response.headers().firstValue("Vary")).hasValue("Accept-Encoding");
    assertThat(response.body().length).isLessThan(LARGE.length / 10);
    assertThat(inflate(new GZIPInputStream(new ByteArrayInputStream(response.body()))))
        .isEqualTo(LARGE);
  }

  @Test
  void compresses_with_deflate_when_only_deflate_is_accepted() throws Exception {
    HttpResponse<byte[]> response = get("/large", "deflate");

    assertThat(response.headers().firstValue("Content-Encoding")).hasValue("deflate");
    assertThat(inflate(new InflaterInputStream(new ByteArrayInputStream(response.body()))))
        .isEqualTo(LARGE);
  }

  @Test
  void answers_plainly_without_accept_encoding_for_small_answers_and_for_q_zero() throws Exception {
    assertThat(get("/large", null).body()).isEqualTo(LARGE);
    assertThat(get("/large", "gzip;q=0, identity").headers().firstValue("Content-Encoding"))
        .isEmpty();
    HttpResponse<byte[]> small = get("/small", "gzip");
    assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(small.body()).isEqualTo("tiny".getBytes());
  }

  @Test
  void chooses_the_coding_by_quality() {
    int n = ResponseCoding.MIN_BYTES;
    assertThat(ResponseCoding.choose("gzip", n)).hasValue("gzip");
    assertThat(ResponseCoding.choose("deflate;q=1, gzip;q=0.5", n)).hasValue("deflate");
    assertThat(ResponseCoding.choose("*", n)).hasValue("gzip");
    assertThat(ResponseCoding.choose("*;q=0, deflate", n)).hasValue("deflate");
    assertThat(ResponseCoding.choose("br, zstd", n)).isEmpty();
    assertThat(ResponseCoding.choose("gzip;q=oops", n)).isEmpty();
    assertThat(ResponseCoding.choose("GZIP", n)).hasValue("gzip");
    assertThat(ResponseCoding.choose("gzip", n - 1)).isEqualTo(Optional.empty());
  }

  private static byte[] inflate(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }
}
