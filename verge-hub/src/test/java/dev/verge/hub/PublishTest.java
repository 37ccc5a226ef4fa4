package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.ModelView;
import dev.verge.core.api.PublisherKeyRequest;
import dev.verge.core.api.PublisherKeyView;
import dev.verge.core.bundle.Digests;
import dev.verge.core.oip.DataType;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishTest {
  @TempDir Path dir;
  TestHub hub;
  HubClient admin;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
    admin = hub.admin();
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  @Test
  void publishes_a_signed_bundle_under_its_digest() throws Exception {
    Path bundle = hub.bundles.signed("iris", 1);

    HubClient.Reply reply = admin.postFile(ApiPaths.MODELS, bundle);

    assertThat(reply.status()).as("%s", reply).isEqualTo(201);
    assertThat(reply.header("Location")).isEqualTo("/api/v1/models/iris/versions/1");
    ModelVersionView view = reply.as(ModelVersionView.class);
    String digest = Digests.sha256Hex(bundle);
    assertThat(view.name()).isEqualTo("iris");
    assertThat(view.version()).isEqualTo(1);
    assertThat(view.bundleDigest()).isEqualTo(digest);
    assertThat(view.bundleSize()).isEqualTo(Files.size(bundle));
    assertThat(view.publisherKeyId())
        .isEqualTo(PublisherKey.of(hub.bundles.publisher().getPublic()).keyId());
    assertThat(view.publishedAt()).isEqualTo(hub.clock.instant());
    assertThat(view.inputs())
        .singleElement()
        .satisfies(i -> assertThat(i.datatype()).isEqualTo(DataType.FP32));
    assertThat(view.metadata()).containsEntry("framework", "test");
    Path stored = hub.hub().dataDir().resolve("bundles").resolve(digest + ".vbundle");
    assertThat(stored).hasSameBinaryContentAs(bundle);
    assertNoUploadsLeft();
  }

  @Test
  void publishing_the_same_bundle_again_returns_the_existing_version() {
    Path bundle = hub.bundles.signed("iris", 1);
    ModelVersionView first = admin.postFile(ApiPaths.MODELS, bundle).as(ModelVersionView.class);
    hub.clock.advance(java.time.Duration.ofMinutes(1));

    HubClient.Reply again = admin.postFile(ApiPaths.MODELS, bundle);

    assertThat(again.status()).isEqualTo(200);
    assertThat(again.as(ModelVersionView.class)).isEqualTo(first);
    assertNoUploadsLeft();
  }

  @Test
  void publishing_other_bytes_under_a_taken_version_is_409() {
    admin.postFile(ApiPaths.MODELS, hub.bundles.signed("iris", 1));
    Path other = hub.bundles.signed("iris", 1, "retrained weights", hub.bundles.publisher());

    HubClient.Reply reply = admin.postFile(ApiPaths.MODELS, other);

    assertThat(reply.status()).isEqualTo(409);
    assertThat(reply.error()).contains("iris v1").contains("new version");
    assertThat(reply.code()).isEqualTo("CONFLICT");
    assertThat(bundleFiles()).hasSize(1);
    assertNoUploadsLeft();
  }

  @Test
  void rejects_a_bundle_whose_model_bytes_were_flipped() {
    Path tampered = hub.bundles.withFlippedModelByte(hub.bundles.signed("iris", 1));

    assertRejected(admin.postFile(ApiPaths.MODELS, tampered), "DIGEST_MISMATCH", "model.onnx");
  }

  @Test
  void rejects_a_manifest_edited_after_signing() {
    Path tampered = hub.bundles.withEditedManifest(hub.bundles.signed("iris", 1));

    assertRejected(admin.postFile(ApiPaths.MODELS, tampered), "BAD_SIGNATURE", "tampered");
  }

  @Test
  void rejects_a_signed_bundle_whose_sample_file_no_device_could_read() {
    Path bundle = hub.bundles.signedWithUnreadableSamples("vad", 1);

    assertRejected(
        admin.postFile(ApiPaths.MODELS, bundle),
        "INVALID_SAMPLES",
        "samples.json of vad v1 has no \"samples\" list");
  }

  @Test
  void rejects_an_unsigned_bundle() {
    assertRejected(
        admin.postFile(ApiPaths.MODELS, hub.bundles.unsigned("iris", 1)), "UNSIGNED", "not signed");
  }

  @Test
  void rejects_bundle_signed_by_unknown_key() {
    KeyPair stranger = Keys.generate();
    Path bundle = hub.bundles.signed("iris", 1, "weights", stranger);

    assertRejected(
        admin.postFile(ApiPaths.MODELS, bundle),
        "UNTRUSTED_KEY",
        PublisherKey.of(stranger.getPublic()).keyId());
  }

  @Test
  void rejects_a_body_that_is_not_a_zip() {
    HubClient.Reply reply = admin.postFile(ApiPaths.MODELS, hub.bundles.notAZip());

    assertRejected(reply, "CORRUPT_ARCHIVE", "not a valid bundle archive");
    assertThat(reply.error()).doesNotContain("upload-");
  }

  @Test
  void rejects_an_empty_body() {
    HubClient.Reply reply = admin.postText(ApiPaths.MODELS, "");

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("empty");
    assertNoUploadsLeft();
  }

  @Test
  void refuses_a_bundle_over_the_size_limit_with_413(@TempDir Path other) {
    TestBundles bundles = new TestBundles(other.resolve("publisher"));
    HubConfig config =
        HubConfig.defaults(other.resolve("hub"))
            .withPort(0)
            .withMaxBundleBytes(256)
            .withTrustedKeys(List.of(bundles.publicKey()));
    try (Hub small = Hub.start(config)) {
      HubClient.Reply reply =
          new HubClient(small.url(), small.adminToken())
              .postFile(ApiPaths.MODELS, bundles.signed("iris", 1));

      assertThat(reply.status()).isEqualTo(413);
      assertThat(reply.error()).contains("256");
      assertThat(small.dataDir().resolve("bundles")).isEmptyDirectory();
    }
  }

  @Test
  void refuses_a_bundle_the_disk_has_no_room_for_with_507_before_reading_it(@TempDir Path other)
      throws Exception {
    HubConfig config =
        HubConfig.defaults(other.resolve("hub")).withPort(0).withMaxBundleBytes(Long.MAX_VALUE);
    long free = Files.getFileStore(other).getUsableSpace();
    long declared = free + 1024L * 1024 * 1024 * 1024;
    try (Hub roomy = Hub.start(config);
        java.net.Socket socket = new java.net.Socket("127.0.0.1", roomy.port())) {
      // A client declaring more than the disk holds is answered without its body being stored.
      String head =
          "POST "
              + ApiPaths.MODELS
              + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
              + roomy.adminToken()
              + "\r\nContent-Type: application/octet-stream\r\nContent-Length: "
              + declared
              + "\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      // The JDK server drains up to 64 KiB of an unread body before it answers; send a little more.
      socket.getOutputStream().write(new byte[128 * 1024]);
      socket.getOutputStream().flush();
      socket.setSoTimeout(10_000);
      String answer = readUntilJsonBodyEnds(socket.getInputStream());

      assertThat(answer).startsWith("HTTP/1.1 507");
      assertThat(answer).contains("no room on the hub's disk").contains("INSUFFICIENT_STORAGE");
      assertThat(roomy.dataDir().resolve("bundles")).isEmptyDirectory();
    }
  }

  /** Reads a response whose JSON body ends with '}', without waiting for the connection to end. */
  private static String readUntilJsonBodyEnds(java.io.InputStream in) throws java.io.IOException {
    StringBuilder text = new StringBuilder();
    for (int b; (b = in.read()) >= 0; ) {
      text.append((char) b);
      if (text.indexOf("\r\n\r\n") >= 0 && b == '}') {
        return text.toString();
      }
    }
    return text.toString();
  }

  @Test
  void accepts_bundles_signed_by_a_key_registered_through_the_api() {
    KeyPair second = Keys.generate();
    String pem = PublisherKey.of(second.getPublic()).pem();
    Path bundle = hub.bundles.signed("iris", 1, "weights", second);
    assertThat(admin.postFile(ApiPaths.MODELS, bundle).status()).isEqualTo(422);

    HubClient.Reply registered =
        admin.post(ApiPaths.PUBLISHER_KEYS, new PublisherKeyRequest("ci", pem));
    HubClient.Reply again = admin.post(ApiPaths.PUBLISHER_KEYS, new PublisherKeyRequest("ci", pem));

    assertThat(registered.status()).isEqualTo(201);
    assertThat(again.status()).isEqualTo(200);
    PublisherKeyView key = registered.as(PublisherKeyView.class);
    assertThat(key.keyId()).isEqualTo(PublisherKey.of(second.getPublic()).keyId());
    assertThat(key.name()).isEqualTo("ci");
    assertThat(again.as(PublisherKeyView.class)).isEqualTo(key);
    assertThat(
            admin.get(ApiPaths.PUBLISHER_KEYS).as(new TypeReference<List<PublisherKeyView>>() {}))
        .containsExactly(key);
    assertThat(admin.postFile(ApiPaths.MODELS, bundle).status()).isEqualTo(201);
  }

  @Test
  void rejects_a_publisher_key_that_is_not_pem() {
    HubClient.Reply reply =
        admin.post(ApiPaths.PUBLISHER_KEYS, new PublisherKeyRequest("ci", "hello"));

    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.error()).contains("publicKeyPem");
  }

  @Test
  void lists_models_with_versions_ascending() {
    hub.publish("iris", 2);
    hub.publish("vad", 1);
    hub.publish("iris", 1);

    List<ModelView> models = admin.get(ApiPaths.MODELS).as(new TypeReference<List<ModelView>>() {});

    assertThat(models).extracting(ModelView::name).containsExactly("iris", "vad");
    assertThat(models.getFirst().versions())
        .extracting(ModelVersionView::version)
        .containsExactly(1L, 2L);
    ModelView iris = admin.get(ApiPaths.MODELS + "/iris").as(ModelView.class);
    assertThat(iris).isEqualTo(models.getFirst());
    ModelVersionView v2 =
        admin.get(ApiPaths.MODELS + "/iris/versions/2").as(ModelVersionView.class);
    assertThat(v2).isEqualTo(iris.versions().get(1));
  }

  @Test
  void unknown_models_and_versions_are_404() {
    hub.publish("iris", 1);

    HubClient.Reply model = admin.get(ApiPaths.MODELS + "/nope");
    HubClient.Reply version = admin.get(ApiPaths.MODELS + "/iris/versions/7");
    HubClient.Reply notNumber = admin.get(ApiPaths.MODELS + "/iris/versions/seven");

    assertThat(model.status()).isEqualTo(404);
    assertThat(model.error()).contains("nope");
    assertThat(version.status()).isEqualTo(404);
    assertThat(version.error()).contains("iris").contains("7");
    assertThat(notNumber.status()).isEqualTo(400);
    assertThat(notNumber.error()).contains("version").contains("seven");
  }

  private void assertRejected(HubClient.Reply reply, String code, String messagePart) {
    assertThat(reply.status()).as("%s", reply).isEqualTo(422);
    assertThat(reply.code()).isEqualTo(code);
    assertThat(reply.error()).contains(messagePart);
    assertThat(bundleFiles()).isEmpty();
    assertNoUploadsLeft();
    assertThat(admin.get(ApiPaths.MODELS).as(new TypeReference<List<ModelView>>() {})).isEmpty();
  }

  private void assertNoUploadsLeft() {
    try (Stream<Path> files = Files.list(hub.hub().dataDir().resolve("bundles"))) {
      assertThat(files.map(f -> f.getFileName().toString()))
          .allMatch(name -> name.matches("[0-9a-f]{64}\\.vbundle"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private List<Path> bundleFiles() {
    try (Stream<Path> files = Files.list(hub.hub().dataDir().resolve("bundles"))) {
      return files.filter(f -> f.toString().endsWith(".vbundle")).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
