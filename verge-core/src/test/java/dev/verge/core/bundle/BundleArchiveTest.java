package dev.verge.core.bundle;

import static dev.verge.core.bundle.TestBundles.MODEL_BYTES;
import static dev.verge.core.bundle.TestBundles.givenUnsignedBundle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Archives that are damaged, incomplete, over-full or trying to climb out of the bundle. */
class BundleArchiveTest {
  @TempDir Path dir;

  @Test
  void rejects_random_bytes_as_a_corrupt_archive() throws Exception {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    Path file = TestBundles.write(dir.resolve("noise.vbundle"), noise);

    assertRefused(file, BundleProblem.CORRUPT_ARCHIVE)
        .hasMessageContaining("noise.vbundle")
        .hasMessageContaining("not a valid bundle archive");
  }

  @Test
  void rejects_an_empty_file_as_a_corrupt_archive() {
    Path file = TestBundles.write(dir.resolve("empty.vbundle"), new byte[0]);

    assertRefused(file, BundleProblem.CORRUPT_ARCHIVE).hasMessageContaining("empty.vbundle");
  }

  @Test
  void rejects_a_truncated_bundle_as_a_corrupt_archive() throws Exception {
    Path bundle = givenUnsignedBundle(dir);
    byte[] whole = Files.readAllBytes(bundle);
    Path cut =
        TestBundles.write(dir.resolve("cut.vbundle"), Arrays.copyOf(whole, whole.length / 2));

    assertRefused(cut, BundleProblem.CORRUPT_ARCHIVE).hasMessageContaining("cut.vbundle");
  }

  @Test
  void rejects_model_whose_bytes_differ_from_the_manifest_digest() {
    Path bundle = givenUnsignedBundle(dir);
    byte[] tampered = MODEL_BYTES.clone();
    tampered[0] ^= 1; // Same size, different content.
    TestBundles.rewrite(bundle, entries -> entries.put("model.onnx", tampered));

    assertRefused(bundle, BundleProblem.DIGEST_MISMATCH)
        .hasMessageContaining("model.onnx")
        .hasMessageContaining(Digests.sha256Hex(tampered))
        .hasMessageContaining(Digests.sha256Hex(MODEL_BYTES));
  }

  @Test
  void rejects_file_whose_size_differs_from_the_manifest() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(
        bundle,
        entries -> entries.put("meta/labels.txt", "normal\n".getBytes(StandardCharsets.UTF_8)));

    assertRefused(bundle, BundleProblem.DIGEST_MISMATCH)
        .hasMessageContaining("meta/labels.txt")
        .hasMessageContaining("7 bytes")
        .hasMessageContaining("says " + TestBundles.LABELS_BYTES.length);
  }

  @Test
  void rejects_manifest_whose_size_field_lies_about_an_intact_file() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(
        bundle, manifest -> fileEntry(manifest, "model.onnx").put("size", MODEL_BYTES.length + 1));

    assertRefused(bundle, BundleProblem.DIGEST_MISMATCH).hasMessageContaining("model.onnx");
  }

  @Test
  void rejects_listed_file_missing_from_the_archive() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.remove("meta/labels.txt"));

    assertRefused(bundle, BundleProblem.MISSING_FILE).hasMessageContaining("meta/labels.txt");
  }

  @Test
  void rejects_archive_entry_the_manifest_does_not_list() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.put("payload.sh", "rm -rf /".getBytes()));

    assertRefused(bundle, BundleProblem.UNLISTED_FILE).hasMessageContaining("payload.sh");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../evil.sh",
        "/etc/passwd",
        "a/../../b",
        "..\\evil.sh",
        "models\\model.onnx",
        "C:/Windows/evil.dll",
        "./model.onnx",
        "a//b",
        "../outside/"
      })
  void rejects_archive_entry_with_unsafe_name(String name) {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.put(name, "#!/bin/sh\n".getBytes()));

    assertRefused(bundle, BundleProblem.UNSAFE_PATH)
        .hasMessageContaining("unsafe path")
        .hasMessageContaining(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"../model.onnx", "a/../../model.onnx", "/model.onnx", "a\\model.onnx"})
  void rejects_manifest_listing_a_file_path_that_climbs_out(String path) {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(
        bundle, manifest -> fileEntry(manifest, "meta/labels.txt").put("path", path));

    assertRefused(bundle, BundleProblem.UNSAFE_PATH).hasMessageContaining(path);
  }

  @Test
  void rejects_bundle_holding_the_same_entry_twice() throws Exception {
    // ZipOutputStream refuses duplicate names, so write a stand-in name of the same length and
    // rename it in the local and central headers afterwards (names are not covered by any CRC).
    Path bundle = givenUnsignedBundle(dir);
    Map<String, byte[]> entries = new LinkedHashMap<>(TestBundles.entries(bundle));
    String standIn = "MODEL.ONNX";
    entries.put(standIn, "a second, different model".getBytes());
    byte[] zip = TestBundles.zipBytes(entries);
    int renamed = replaceAll(zip, standIn.getBytes(), "model.onnx".getBytes());
    assertThat(renamed).as("local and central header names").isEqualTo(2);
    Path duplicated = TestBundles.write(dir.resolve("twice.vbundle"), zip);

    assertRefused(duplicated, BundleProblem.CORRUPT_ARCHIVE)
        .hasMessageContaining("model.onnx")
        .hasMessageContaining("twice");
  }

  @Test
  void rejects_manifest_listing_the_signature_file() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(
        bundle,
        manifest ->
            fileEntry(manifest, "meta/labels.txt").put("path", Manifest.SIGNATURE_FILE_NAME));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining(Manifest.SIGNATURE_FILE_NAME);
  }

  static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(
      Path bundle, BundleProblem problem) {
    return assertThatThrownBy(() -> Bundle.open(bundle).close())
        .isInstanceOf(BundleException.class)
        .satisfies(e -> assertThat(((BundleException) e).problem()).isEqualTo(problem));
  }

  static ObjectNode fileEntry(ObjectNode manifest, String path) {
    for (var file : (ArrayNode) manifest.get("files")) {
      if (file.get("path").asText().equals(path)) {
        return (ObjectNode) file;
      }
    }
    throw new AssertionError("manifest lists no " + path);
  }

  private static int replaceAll(byte[] haystack, byte[] from, byte[] to) {
    int count = 0;
    for (int i = 0; i + from.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + from.length, from, 0, from.length)) {
        System.arraycopy(to, 0, haystack, i, to.length);
        count++;
      }
    }
    return count;
  }
}
