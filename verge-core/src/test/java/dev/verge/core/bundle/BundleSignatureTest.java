package dev.verge.core.bundle;

import static dev.verge.core.bundle.BundleArchiveTest.assertRefused;
import static dev.verge.core.bundle.TestBundles.givenSignedBundle;
import static dev.verge.core.bundle.TestBundles.givenUnsignedBundle;
import static dev.verge.core.bundle.TestBundles.newKey;
import static dev.verge.core.bundle.TestBundles.trusting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.json.Json;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.TrustStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleSignatureTest {
  @TempDir Path dir;

  @Test
  void rejects_unsigned_bundle() {
    try (Bundle opened = Bundle.open(givenUnsignedBundle(dir))) {
      assertVerifyRefused(opened, trusting(newKey()), BundleProblem.UNSIGNED)
          .hasMessageContaining("pump-anomaly v3")
          .hasMessageContaining("not signed");
    }
  }

  @Test
  void rejects_bundle_signed_by_unknown_key() {
    KeyPair stranger = newKey();
    Path bundle = givenSignedBundle(dir, stranger);

    try (Bundle opened = Bundle.open(bundle)) {
      assertVerifyRefused(opened, trusting(newKey()), BundleProblem.UNTRUSTED_KEY)
          .hasMessageContaining(PublisherKey.keyIdOf(stranger.getPublic()))
          .hasMessageContaining("not a trusted publisher key");
      assertVerifyRefused(opened, TrustStore.empty(), BundleProblem.UNTRUSTED_KEY);
    }
  }

  @Test
  void rejects_manifest_edited_after_signing() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("version", 4));

    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().version()).isEqualTo(4);
      assertBadSignature(opened, trusting(key))
          .hasMessageContaining(PublisherKey.keyIdOf(key.getPublic()))
          .hasMessageContaining("does not match the manifest");
    }
  }

  @Test
  void rejects_signature_copied_from_another_bundle() {
    KeyPair key = newKey();
    Path signed = givenSignedBundle(dir.resolve("a"), key);
    Path other = givenUnsignedBundle(dir.resolve("b"));
    TestBundles.rewriteManifest(other, manifest -> manifest.put("version", 9));
    byte[] signature = TestBundles.entries(signed).get(Manifest.SIGNATURE_FILE_NAME);
    TestBundles.rewrite(other, entries -> entries.put(Manifest.SIGNATURE_FILE_NAME, signature));

    try (Bundle opened = Bundle.open(other)) {
      assertBadSignature(opened, trusting(key));
    }
  }

  @Test
  void rejects_model_swapped_after_signing_even_with_the_original_manifest_and_signature() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    TestBundles.rewrite(bundle, entries -> entries.put("model.onnx", "evil model".getBytes()));

    assertRefused(bundle, BundleProblem.DIGEST_MISMATCH).hasMessageContaining("model.onnx");
  }

  @Test
  void rejects_signature_value_that_is_not_base64() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(bundle, signature -> signature.put("value", "!!! not base64 ***"));

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key)).hasMessageContaining("not base64");
    }
  }

  @Test
  void rejects_signature_value_of_the_wrong_length() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(
        bundle,
        signature -> signature.put("value", Base64.getEncoder().encodeToString(new byte[] {1, 2})));

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key));
    }
  }

  @Test
  void rejects_signature_with_a_flipped_bit() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(
        bundle,
        signature -> {
          byte[] value = Base64.getDecoder().decode(signature.get("value").asText());
          value[10] ^= 0x01;
          signature.put("value", Base64.getEncoder().encodeToString(value));
        });

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key));
    }
  }

  @Test
  void rejects_signature_without_value() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(bundle, signature -> signature.remove("value"));

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key));
    }
  }

  @Test
  void rejects_signature_that_names_no_key() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(bundle, signature -> signature.remove("keyId"));

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key)).hasMessageContaining("keyId");
    }
  }

  @Test
  void rejects_signature_with_another_algorithm() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    editSignature(bundle, signature -> signature.put("algorithm", "RSA"));

    try (Bundle opened = Bundle.open(bundle)) {
      assertBadSignature(opened, trusting(key)).hasMessageContaining("RSA");
    }
  }

  @Test
  void rejects_signature_file_that_is_not_json() {
    Path bundle = givenSignedBundle(dir, newKey());
    TestBundles.rewrite(
        bundle, entries -> entries.put(Manifest.SIGNATURE_FILE_NAME, "garbage".getBytes()));

    assertRefused(bundle, BundleProblem.BAD_SIGNATURE)
        .hasMessageContaining(Manifest.SIGNATURE_FILE_NAME);
  }

  @Test
  void re_pretty_printed_manifest_still_verifies() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);
    byte[] original = TestBundles.entries(bundle).get(Manifest.FILE_NAME);
    byte[] reformatted =
        ("\n\n  " + Json.pretty(reversedKeys(Json.tree(original))) + "\n")
            .getBytes(StandardCharsets.UTF_8);
    TestBundles.rewrite(bundle, entries -> entries.put(Manifest.FILE_NAME, reformatted));

    assertThat(TestBundles.entries(bundle).get(Manifest.FILE_NAME)).isNotEqualTo(original);
    assertThat(new String(reformatted, StandardCharsets.UTF_8)).contains("\n").contains("  \"");
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.canonicalManifest()).isEqualTo(original);
      assertThat(opened.verifySignature(trusting(key)).key()).isEqualTo(key.getPublic());
    }
  }

  static AbstractThrowableAssert<?, ? extends Throwable> assertBadSignature(
      Bundle bundle, TrustStore trust) {
    return assertVerifyRefused(bundle, trust, BundleProblem.BAD_SIGNATURE);
  }

  static AbstractThrowableAssert<?, ? extends Throwable> assertVerifyRefused(
      Bundle bundle, TrustStore trust, BundleProblem problem) {
    return assertThatThrownBy(() -> bundle.verifySignature(trust))
        .isInstanceOf(BundleException.class)
        .satisfies(e -> assertThat(((BundleException) e).problem()).isEqualTo(problem));
  }

  private static void editSignature(Path bundle, java.util.function.Consumer<ObjectNode> change) {
    TestBundles.rewrite(
        bundle,
        entries -> {
          ObjectNode signature = (ObjectNode) Json.tree(entries.get(Manifest.SIGNATURE_FILE_NAME));
          change.accept(signature);
          entries.put(Manifest.SIGNATURE_FILE_NAME, Json.write(signature));
        });
  }

  /** The same JSON with every object's keys in reverse order, recursively. */
  private static JsonNode reversedKeys(JsonNode node) {
    if (node.isObject()) {
      List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(node.properties());
      Collections.reverse(fields);
      ObjectNode reversed = Json.mapper().createObjectNode();
      fields.forEach(f -> reversed.set(f.getKey(), reversedKeys(f.getValue())));
      return reversed;
    }
    if (node.isArray()) {
      var array = Json.mapper().createArrayNode();
      node.forEach(element -> array.add(reversedKeys(element)));
      return array;
    }
    return node;
  }
}
