package dev.verge.core.bundle;

import static dev.verge.core.bundle.TestBundles.givenSpec;
import static dev.verge.core.bundle.TestBundles.newKey;
import static dev.verge.core.bundle.TestBundles.trusting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleSamplesTest {
  static final String SAMPLES =
      """
      {"samples": [{"id": "pair",
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 2], "data": [1, 2]}],
        "outputs": [{"name": "output", "datatype": "FP32", "shape": [1, 2], "data": [0.25, 0.75]}]}]}
      """;

  @TempDir Path dir;

  private Path bundleWithSamples(String samples) {
    Path file = TestBundles.write(dir.resolve("samples-in.json"), bytes(samples));
    BundleWriter.Spec plain = givenSpec(dir);
    Path bundle = dir.resolve("pump.vbundle");
    BundleWriter.create(withSamples(plain, file), bundle, TestBundles.CLOCK);
    return bundle;
  }

  private static BundleWriter.Spec withSamples(BundleWriter.Spec spec, Path samples) {
    return new BundleWriter.Spec(
        spec.name(),
        spec.version(),
        spec.model(),
        spec.inputs(),
        spec.outputs(),
        spec.metadata(),
        spec.extraFiles(),
        samples);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void a_bundle_carries_its_samples_as_a_listed_file() {
    Path bundle = bundleWithSamples(SAMPLES);

    try (Bundle opened = Bundle.open(bundle)) {
      Manifest manifest = opened.manifest();
      assertThat(manifest.samples()).isEqualTo(Samples.FILE_NAME);
      assertThat(manifest.file(Samples.FILE_NAME).sha256())
          .isEqualTo(Digests.sha256Hex(bytes(SAMPLES)));
      Sample sample = opened.samples().orElseThrow().samples().getFirst();
      assertThat(sample.id()).isEqualTo("pair");
      assertThat(sample.inputs())
          .containsExactly(
              new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {1, 2}));
    }
  }

  @Test
  void a_bundle_without_samples_has_none() {
    try (Bundle opened = Bundle.open(TestBundles.givenUnsignedBundle(dir))) {
      assertThat(opened.samples()).isEmpty();
    }
  }

  @Test
  void an_edited_sample_file_fails_its_digest() {
    Path bundle = bundleWithSamples(SAMPLES);
    TestBundles.rewrite(
        bundle, entries -> entries.put(Samples.FILE_NAME, bytes(SAMPLES.replace("0.75", "0.5"))));

    assertThatThrownBy(() -> Bundle.open(bundle))
        .isInstanceOfSatisfying(
            BundleException.class,
            e -> assertThat(e.problem()).isEqualTo(BundleProblem.DIGEST_MISMATCH))
        .hasMessageStartingWith("samples.json is ");
  }

  @Test
  void an_edited_sample_file_with_its_digest_fixed_fails_the_signature() {
    KeyPair key = newKey();
    Path bundle = bundleWithSamples(SAMPLES);
    BundleWriter.sign(bundle, key.getPrivate());
    byte[] forged = bytes(SAMPLES.replace("0.75", "0.5"));
    TestBundles.rewrite(bundle, entries -> entries.put(Samples.FILE_NAME, forged));
    TestBundles.rewriteManifest(
        bundle,
        manifest -> {
          for (var file : manifest.withArray("files")) {
            if (file.path("path").asText().equals(Samples.FILE_NAME)) {
              ((com.fasterxml.jackson.databind.node.ObjectNode) file)
                  .put("sha256", Digests.sha256Hex(forged))
                  .put("size", forged.length);
            }
          }
        });

    try (Bundle opened = Bundle.open(bundle)) {
      assertThatThrownBy(() -> opened.verifySignature(trusting(key)))
          .isInstanceOfSatisfying(
              BundleException.class,
              e -> assertThat(e.problem()).isEqualTo(BundleProblem.BAD_SIGNATURE))
          .hasMessageContaining("does not match the manifest");
    }
  }

  @Test
  void create_refuses_an_invalid_sample_file_and_writes_nothing() {
    Path samples = TestBundles.write(dir.resolve("bad.json"), bytes("{\"samples\": [{}]}"));
    Path bundle = dir.resolve("pump.vbundle");

    assertThatThrownBy(
            () ->
                BundleWriter.create(
                    withSamples(givenSpec(dir), samples), bundle, TestBundles.CLOCK))
        .isInstanceOfSatisfying(
            BundleException.class,
            e -> assertThat(e.problem()).isEqualTo(BundleProblem.INVALID_SAMPLES))
        .hasMessage(samples + ", sample '#1' has no \"inputs\"");
    assertThat(bundle).doesNotExist();
  }

  @Test
  void a_signed_but_unreadable_sample_file_is_refused_when_read() {
    KeyPair key = newKey();
    Path bundle = bundleWithSamples(SAMPLES);
    byte[] broken = bytes("{\"samples\": 3}");
    TestBundles.rewrite(bundle, entries -> entries.put(Samples.FILE_NAME, broken));
    TestBundles.rewriteManifest(
        bundle,
        manifest -> {
          for (var file : manifest.withArray("files")) {
            if (file.path("path").asText().equals(Samples.FILE_NAME)) {
              ((com.fasterxml.jackson.databind.node.ObjectNode) file)
                  .put("sha256", Digests.sha256Hex(broken))
                  .put("size", broken.length);
            }
          }
        });
    BundleWriter.sign(bundle, key.getPrivate());

    try (Bundle opened = Bundle.open(bundle)) {
      opened.verifySignature(trusting(key));
      assertThatThrownBy(opened::samples)
          .isInstanceOfSatisfying(
              BundleException.class,
              e -> assertThat(e.problem()).isEqualTo(BundleProblem.INVALID_SAMPLES))
          .hasMessage("samples.json of pump-anomaly v3 has no \"samples\" list, or an empty one");
    }
  }

  @Test
  void a_manifest_naming_samples_it_does_not_list_is_invalid() {
    Path bundle = bundleWithSamples(SAMPLES);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("samples", "elsewhere.json"));

    assertThatThrownBy(() -> Bundle.open(bundle))
        .isInstanceOfSatisfying(
            BundleException.class,
            e -> assertThat(e.problem()).isEqualTo(BundleProblem.INVALID_MANIFEST))
        .hasMessageContaining("samples 'elsewhere.json' is not among the manifest's files");
  }

  @Test
  void a_format_1_0_bundle_still_opens() {
    Path bundle = TestBundles.givenUnsignedBundle(dir);
    TestBundles.rewriteManifest(bundle, manifest -> manifest.put("formatVersion", "1.0"));

    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().formatVersion()).isEqualTo("1.0");
      assertThat(opened.samples()).isEmpty();
    }
  }
}
