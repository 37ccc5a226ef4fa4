package dev.verge.core.bundle;

import static dev.verge.core.bundle.BundleArchiveTest.assertRefused;
import static dev.verge.core.bundle.TestBundles.givenUnsignedBundle;
import static dev.verge.core.bundle.TestBundles.newKey;
import static dev.verge.core.bundle.TestBundles.trusting;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Manifests that are absent, unreadable, incomplete, or from another format version. */
class BundleManifestTest {
  @TempDir Path dir;

  @Test
  void rejects_bundle_without_a_manifest() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.remove(Manifest.FILE_NAME));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("no manifest.json");
  }

  @Test
  void rejects_manifest_that_is_not_json() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(
        bundle,
        entries ->
            entries.put(
                Manifest.FILE_NAME, "{\n  \"name\": pump\n}".getBytes(StandardCharsets.UTF_8)));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("manifest.json")
        .hasMessageContaining("malformed JSON at line 2");
  }

  @Test
  void rejects_empty_manifest() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.put(Manifest.FILE_NAME, new byte[0]));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("manifest.json");
  }

  @Test
  void rejects_manifest_that_is_not_an_object() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.put(Manifest.FILE_NAME, "[1, 2]".getBytes()));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("not a JSON object");
  }

  @Test
  void rejects_manifest_without_format_version() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.remove("formatVersion"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("formatVersion");
  }

  @Test
  void rejects_manifest_without_name() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.remove("name"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("model name");
  }

  @Test
  void rejects_manifest_without_files() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.remove("files"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("no files");
  }

  @Test
  void rejects_manifest_without_version() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.remove("version"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("version");
  }

  @Test
  void rejects_manifest_whose_entrypoint_is_not_listed() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("entrypoint", "other.onnx"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("'other.onnx'");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Pump", "pump anomaly", "-pump", "", "pump/../x"})
  void rejects_manifest_with_bad_name(String name) {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("name", name));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("'" + name + "'");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1})
  void rejects_manifest_with_version_below_one(long version) {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("version", version));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("version must be 1 or more, got " + version);
  }

  @Test
  void rejects_manifest_with_field_of_the_wrong_type() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("version", "three"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("manifest.json")
        .hasMessageContaining("malformed JSON");
  }

  @Test
  void rejects_manifest_with_a_malformed_digest() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(
        bundle,
        manifest -> {
          ObjectNode model = BundleArchiveTest.fileEntry(manifest, "model.onnx");
          model.put("sha256", model.get("sha256").asText().toUpperCase());
        });

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST)
        .hasMessageContaining("model.onnx")
        .hasMessageContaining("sha256");
  }

  @Test
  void refuses_unknown_major_format_version_with_a_message_to_upgrade() {
    Path bundle = givenUnsignedBundle(dir);
    // A 2.x manifest may look nothing like 1.x: the version alone must decide.
    TestBundles.rewrite(
        bundle,
        entries ->
            entries.put(
                Manifest.FILE_NAME,
                "{\"formatVersion\": \"2.0\", \"payload\": {\"encrypted\": true}}".getBytes()));

    assertRefused(bundle, BundleProblem.UNSUPPORTED_FORMAT)
        .hasMessageContaining("2.0")
        .hasMessageContaining("1.x")
        .hasMessageContaining("upgrade Verge");
  }

  @Test
  void rejects_malformed_format_version() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("formatVersion", "v1"));

    assertRefused(bundle, BundleProblem.INVALID_MANIFEST).hasMessageContaining("'1.0', got v1");
  }

  @Test
  void accepts_higher_minor_version_with_unknown_fields_and_signs_them_too() {
    KeyPair key = newKey();
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(
        bundle,
        manifest -> {
          manifest.put("formatVersion", "1.7");
          manifest.putObject("driftBaseline").put("meanInput", "0.42");
          manifest.putArray("targets").add("arm64").add("x86_64");
        });
    BundleWriter.sign(bundle, key.getPrivate());

    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().formatVersion()).isEqualTo("1.7");
      assertThat(opened.manifest().name()).isEqualTo("pump-anomaly");
      assertThat(opened.verifySignature(trusting(key)).key()).isEqualTo(key.getPublic());
    }

    // The unknown fields are covered by the signature: changing one breaks it.
    TestBundles.rewriteManifest(
        bundle, manifest -> ((ObjectNode) manifest.get("driftBaseline")).put("meanInput", "9"));
    try (Bundle opened = Bundle.open(bundle)) {
      BundleSignatureTest.assertBadSignature(opened, trusting(key));
    }
  }

  @Test
  void manifest_json_is_written_canonically() {
    Path bundle = givenUnsignedBundle(dir);

    byte[] stored = TestBundles.entries(bundle).get(Manifest.FILE_NAME);

    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(stored).isEqualTo(opened.canonicalManifest());
    }
    assertThat(new String(stored, StandardCharsets.UTF_8))
        .doesNotContain("\n")
        .startsWith("{\"createdAt\"");
    assertThat(Json.tree(stored).get("createdAt").asText()).isEqualTo("2025-03-04T05:06:07Z");
  }
}
