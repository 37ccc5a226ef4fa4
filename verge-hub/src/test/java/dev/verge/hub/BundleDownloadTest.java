package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.ModelVersionView;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleDownloadTest {
  @TempDir Path dir;
  TestHub hub;
  TestHub.Device device;
  ModelVersionView iris;
  byte[] bytes;

  @BeforeEach
  void start() throws Exception {
    hub = TestHub.start(dir);
    device = hub.enroll("edge", Map.of());
    iris = hub.publish("iris", 1);
    bytes =
        Files.readAllBytes(
            hub.hub().dataDir().resolve("bundles").resolve(iris.bundleDigest() + ".vbundle"));
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  private HubClient.Reply download(String... headers) {
    return device.http().get(ApiPaths.bundle(iris.bundleDigest()), headers);
  }

  @Test
  void a_device_downloads_the_whole_bundle() {
    HubClient.Reply reply = download();

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(bytes);
    assertThat(reply.header("Content-Type")).isEqualTo("application/octet-stream");
    assertThat(reply.header("Accept-Ranges")).isEqualTo("bytes");
    assertThat(reply.header("ETag")).isEqualTo("\"" + iris.bundleDigest() + "\"");
    assertThat(reply.header("Content-Length")).isEqualTo(String.valueOf(bytes.length));
  }

  @Test
  void the_admin_token_downloads_too() {
    HubClient.Reply reply = hub.admin().get(ApiPaths.bundle(iris.bundleDigest()));

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(bytes);
  }

  @Test
  void ranges_answer_206_with_content_range() {
    int size = bytes.length;

    HubClient.Reply head = download("Range", "bytes=0-99");
    HubClient.Reply tail = download("Range", "bytes=100-");
    HubClient.Reply suffix = download("Range", "bytes=-50");
    HubClient.Reply past = download("Range", "bytes=10-999999");

    assertThat(head.status()).isEqualTo(206);
    assertThat(head.header("Content-Range")).isEqualTo("bytes 0-99/" + size);
    assertThat(head.body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 100));
    assertThat(tail.header("Content-Range")).isEqualTo("bytes 100-" + (size - 1) + "/" + size);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(bytes, 100, size));
    assertThat(suffix.header("Content-Range"))
        .isEqualTo("bytes " + (size - 50) + "-" + (size - 1) + "/" + size);
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(bytes, size - 50, size));
    assertThat(past.body()).isEqualTo(Arrays.copyOfRange(bytes, 10, size));
  }

  @Test
  void an_unsatisfiable_range_is_416() {
    HubClient.Reply reply = download("Range", "bytes=" + bytes.length + "-");

    assertThat(reply.status()).isEqualTo(416);
    assertThat(reply.header("Content-Range")).isEqualTo("bytes */" + bytes.length);
    assertThat(reply.code()).isEqualTo("RANGE_NOT_SATISFIABLE");
  }

  @Test
  void a_stale_if_range_gets_the_whole_bundle() {
    HubClient.Reply reply = download("Range", "bytes=0-9", "If-Range", "\"somethingelse\"");

    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body()).isEqualTo(bytes);
  }

  @Test
  void a_malformed_digest_is_400_and_an_unknown_one_404() {
    HubClient.Reply malformed = device.http().get(ApiPaths.bundle("not-a-digest"));
    HubClient.Reply unknown = device.http().get(ApiPaths.bundle("0".repeat(64)));

    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.error()).contains("not-a-digest");
    assertThat(unknown.status()).isEqualTo(404);
  }
}
