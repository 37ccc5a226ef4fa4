package dev.verge.core.bundle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestTest {
  private static final String DIGEST = Digests.sha256Hex(new byte[] {1, 2, 3});

  @ParameterizedTest
  @ValueSource(strings = {"pump", "pump-anomaly", "pump_v2.onnx", "7segment", "a"})
  void accepts_lower_case_names(String name) {
    assertThat(Manifest.isValidName(name)).isTrue();
    assertThat(given(name, 1, "model.onnx").validate().name()).isEqualTo(name);
  }

  @Test
  void accepts_names_up_to_64_characters() {
    assertThat(Manifest.isValidName("a".repeat(64))).isTrue();
    assertThat(Manifest.isValidName("a".repeat(65))).isFalse();
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {"Pump", "pump anomaly", "-pump", ".pump", "_pump", "pump/x", "../pump", "pümp"})
  void rejects_bad_names(String name) {
    assertThat(Manifest.isValidName(name)).isFalse();
    assertThatThrownBy(() -> given(name, 1, "model.onnx").validate())
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("model name '" + name + "'")
        .satisfies(
            e ->
                assertThat(((BundleException) e).problem())
                    .isEqualTo(BundleProblem.INVALID_MANIFEST));
  }

  @Test
  void rejects_version_zero() {
    assertThatThrownBy(() -> given("pump", 0, "model.onnx").validate())
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("version must be 1 or more, got 0");
  }

  @Test
  void rejects_entrypoint_not_among_files() {
    assertThatThrownBy(() -> given("pump", 1, "other.onnx").validate())
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("entrypoint 'other.onnx'");
  }

  @Test
  void rejects_negative_file_size() {
    Manifest manifest =
        new Manifest(
            "1.0",
            "pump",
            1,
            Instant.EPOCH,
            "model.onnx",
            Manifest.RUNTIME_ONNX,
            List.of(new FileEntry("model.onnx", DIGEST, -1)),
            null,
            null,
            null);

    assertThatThrownBy(manifest::validate)
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("model.onnx has a negative size");
  }

  @Test
  void null_collections_read_as_empty() {
    Manifest manifest = given("pump", 1, "model.onnx");

    assertThat(manifest.inputs()).isEmpty();
    assertThat(manifest.outputs()).isEmpty();
    assertThat(manifest.metadata()).isEmpty();
  }

  @Test
  void finds_listed_files_and_names_unlisted_ones() {
    Manifest manifest = given("pump", 1, "model.onnx");

    assertThat(manifest.file("model.onnx").sha256()).isEqualTo(DIGEST);
    assertThatThrownBy(() -> manifest.file("other.bin"))
        .isInstanceOf(BundleException.class)
        .hasMessageContaining("'other.bin'");
  }

  private static Manifest given(String name, long version, String entrypoint) {
    return new Manifest(
        "1.0",
        name,
        version,
        Instant.EPOCH,
        entrypoint,
        Manifest.RUNTIME_ONNX,
        List.of(new FileEntry("model.onnx", DIGEST, 3)),
        null,
        null,
        null);
  }
}
