package dev.verge.core.bundle;

import static dev.verge.core.bundle.TestBundles.CREATED;
import static dev.verge.core.bundle.TestBundles.LABELS_BYTES;
import static dev.verge.core.bundle.TestBundles.MODEL_BYTES;
import static dev.verge.core.bundle.TestBundles.givenSignedBundle;
import static dev.verge.core.bundle.TestBundles.givenSpec;
import static dev.verge.core.bundle.TestBundles.givenUnsignedBundle;
import static dev.verge.core.bundle.TestBundles.newKey;
import static dev.verge.core.bundle.TestBundles.trusting;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.signing.PublisherKey;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleTest {
  @TempDir Path dir;

  @Test
  void created_bundle_opens_with_the_manifest_the_writer_returned() {
    Path bundle = dir.resolve("out").resolve("pump.vbundle");

    Manifest written = BundleWriter.create(givenSpec(dir), bundle, TestBundles.CLOCK);

    try (Bundle opened = Bundle.open(bundle)) {
      Manifest manifest = opened.manifest();
      assertThat(manifest).isEqualTo(written);
      assertThat(manifest.formatVersion()).isEqualTo("1.1");
      assertThat(manifest.samples()).isNull();
      assertThat(manifest.name()).isEqualTo("pump-anomaly");
      assertThat(manifest.version()).isEqualTo(3);
      assertThat(manifest.createdAt()).isEqualTo(CREATED);
      assertThat(manifest.entrypoint()).isEqualTo("model.onnx");
      assertThat(manifest.runtime()).isEqualTo(Manifest.RUNTIME_ONNX);
      assertThat(manifest.inputs()).containsExactly(TestBundles.INPUT);
      assertThat(manifest.outputs()).containsExactly(TestBundles.OUTPUT);
      assertThat(manifest.metadata()).containsExactly(Map.entry("owner", "plant-7"));
      assertThat(manifest.files())
          .containsExactlyInAnyOrder(
              new FileEntry("model.onnx", Digests.sha256Hex(MODEL_BYTES), MODEL_BYTES.length),
              new FileEntry(
                  "meta/labels.txt", Digests.sha256Hex(LABELS_BYTES), LABELS_BYTES.length));
      assertThat(opened.signature()).isEmpty();
      assertThat(opened.path()).isEqualTo(bundle);
    }
  }

  @Test
  void file_digests_are_lower_case_sha256_of_the_content() {
    try (Bundle opened = Bundle.open(givenUnsignedBundle(dir))) {
      // printf 'not really onnx, but bytes all the same' | sha256sum
      assertThat(opened.manifest().file("model.onnx").sha256())
          .isEqualTo("5028b0a27dede8de4f46ec434118fe47c7eab2cb7816db32a2e882cb4de43333");
    }
  }

  @Test
  void reads_listed_files_without_extracting_them() throws Exception {
    try (Bundle opened = Bundle.open(givenUnsignedBundle(dir))) {
      assertThat(opened.readFile("model.onnx")).isEqualTo(MODEL_BYTES);
      assertThat(opened.readFile("meta/labels.txt")).isEqualTo(LABELS_BYTES);
      try (InputStream in = opened.openFile("meta/labels.txt")) {
        assertThat(in.readAllBytes()).isEqualTo(LABELS_BYTES);
      }
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("inputs", "pump-anomaly-3.vbundle");
    }
  }

  @Test
  void refuses_to_read_a_file_the_manifest_does_not_list() {
    try (Bundle opened = Bundle.open(givenUnsignedBundle(dir))) {
      assertThatThrownBy(() -> opened.readFile(Manifest.SIGNATURE_FILE_NAME))
          .isInstanceOf(BundleException.class)
          .hasMessageContaining("signature.json");
    }
  }

  @Test
  void signed_bundle_verifies_against_a_store_trusting_its_key() {
    KeyPair key = newKey();
    Path bundle = givenSignedBundle(dir, key);

    try (Bundle opened = Bundle.open(bundle)) {
      PublisherKey signer = opened.verifySignature(trusting(newKey(), key));

      assertThat(signer.key()).isEqualTo(key.getPublic());
      assertThat(opened.signature()).isPresent();
      assertThat(opened.signature().get().algorithm()).isEqualTo("Ed25519");
      assertThat(opened.signature().get().keyId()).isEqualTo(PublisherKey.keyIdOf(key.getPublic()));
      assertThat(opened.readFile("model.onnx")).isEqualTo(MODEL_BYTES);
    }
  }

  @Test
  void sign_returns_the_public_half_of_the_signing_key() {
    KeyPair key = newKey();

    PublisherKey signer = BundleWriter.sign(givenUnsignedBundle(dir), key.getPrivate());

    assertThat(signer).isEqualTo(PublisherKey.of(key.getPublic()));
  }

  @Test
  void signing_keeps_every_entry_and_adds_only_the_signature() {
    Path bundle = givenUnsignedBundle(dir);
    Map<String, byte[]> before = TestBundles.entries(bundle);

    BundleWriter.sign(bundle, newKey().getPrivate());

    Map<String, byte[]> after = TestBundles.entries(bundle);
    assertThat(after.keySet())
        .containsExactlyInAnyOrder(
            Manifest.FILE_NAME, Manifest.SIGNATURE_FILE_NAME, "model.onnx", "meta/labels.txt");
    before.forEach((name, bytes) -> assertThat(after.get(name)).as(name).isEqualTo(bytes));
  }

  @Test
  void re_signing_replaces_the_earlier_signature() {
    KeyPair first = newKey();
    KeyPair second = newKey();
    Path bundle = givenSignedBundle(dir, first);

    BundleWriter.sign(bundle, second.getPrivate());

    assertThat(TestBundles.entries(bundle).keySet())
        .filteredOn(Manifest.SIGNATURE_FILE_NAME::equals)
        .hasSize(1);
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.verifySignature(trusting(second)).key()).isEqualTo(second.getPublic());
      assertThatThrownBy(() -> opened.verifySignature(trusting(first)))
          .isInstanceOf(BundleException.class)
          .extracting(e -> ((BundleException) e).problem())
          .isEqualTo(BundleProblem.UNTRUSTED_KEY);
    }
  }

  @Test
  void signing_is_refused_for_a_damaged_bundle() {
    Path bundle = givenUnsignedBundle(dir);
    TestBundles.rewrite(bundle, entries -> entries.put("model.onnx", "tampered".getBytes()));

    assertThatThrownBy(() -> BundleWriter.sign(bundle, newKey().getPrivate()))
        .isInstanceOf(BundleException.class)
        .extracting(e -> ((BundleException) e).problem())
        .isEqualTo(BundleProblem.DIGEST_MISMATCH);
    assertThat(TestBundles.entries(bundle)).doesNotContainKey(Manifest.SIGNATURE_FILE_NAME);
  }

  @Test
  void create_replaces_an_existing_bundle_file() throws Exception {
    Path bundle = givenSignedBundle(dir, newKey());

    BundleWriter.create(givenSpec(dir.resolve("v4"), "pump-anomaly", 4), bundle, TestBundles.CLOCK);

    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().version()).isEqualTo(4);
      assertThat(opened.signature()).isEmpty();
    }
  }

  @Test
  void failed_write_leaves_no_temp_file_behind() throws Exception {
    Path out = dir.resolve("out");
    Path target = out.resolve("pump.vbundle");
    // A non-empty folder where the bundle should go: the zip is written, the final move fails.
    TestBundles.write(target.resolve("keep.txt"), new byte[] {1});

    assertThatThrownBy(() -> BundleWriter.create(givenSpec(dir), target, TestBundles.CLOCK))
        .isInstanceOf(UncheckedIOException.class)
        .hasMessageContaining("pump.vbundle");

    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("pump.vbundle");
    }
  }

  @Test
  void failed_sign_leaves_no_temp_file_behind() throws Exception {
    Path out = dir.resolve("out");
    Path bundle = out.resolve("pump.vbundle");
    TestBundles.write(bundle, "not a zip".getBytes());

    assertThatThrownBy(() -> BundleWriter.sign(bundle, newKey().getPrivate()))
        .isInstanceOf(BundleException.class);

    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("pump.vbundle");
    }
  }

  @Test
  void refuses_extra_files_named_like_the_manifest_signature_or_model() {
    BundleWriter.Spec spec = givenSpec(dir);
    for (String reserved :
        new String[] {Manifest.FILE_NAME, Manifest.SIGNATURE_FILE_NAME, "model.onnx"}) {
      Map<String, Path> extras = new HashMap<>(spec.extraFiles());
      extras.put(reserved, spec.model());
      BundleWriter.Spec clashing =
          new BundleWriter.Spec(
              spec.name(),
              spec.version(),
              spec.model(),
              spec.inputs(),
              spec.outputs(),
              spec.metadata(),
              extras);

      assertThatThrownBy(
              () -> BundleWriter.create(clashing, dir.resolve("clash.vbundle"), TestBundles.CLOCK))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(reserved);
    }
    assertThat(dir.resolve("clash.vbundle")).doesNotExist();
  }

  @Test
  void refuses_extra_files_with_unsafe_names() {
    BundleWriter.Spec spec = givenSpec(dir);
    BundleWriter.Spec unsafe =
        new BundleWriter.Spec(
            spec.name(),
            spec.version(),
            spec.model(),
            spec.inputs(),
            spec.outputs(),
            spec.metadata(),
            Map.of("../outside.txt", spec.model()));

    assertThatThrownBy(
            () -> BundleWriter.create(unsafe, dir.resolve("unsafe.vbundle"), TestBundles.CLOCK))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("../outside.txt")
        .extracting(e -> ((BundleException) e).problem())
        .isEqualTo(BundleProblem.UNSAFE_PATH);
  }

  @Test
  void refuses_to_create_a_bundle_with_an_invalid_name() {
    assertThatThrownBy(
            () ->
                BundleWriter.create(
                    givenSpec(dir, "Pump Anomaly", 1),
                    dir.resolve("bad.vbundle"),
                    TestBundles.CLOCK))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("'Pump Anomaly'")
        .extracting(e -> ((BundleException) e).problem())
        .isEqualTo(BundleProblem.INVALID_MANIFEST);
    assertThat(dir.resolve("bad.vbundle")).doesNotExist();
  }
}
