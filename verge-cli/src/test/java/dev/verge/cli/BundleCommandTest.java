package dev.verge.cli;

import static dev.verge.cli.Fixtures.givenKeys;
import static dev.verge.cli.Fixtures.givenModel;
import static dev.verge.cli.Fixtures.givenSignedBundle;
import static dev.verge.cli.Fixtures.givenUnsignedBundle;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.bundle.Bundle;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.TrustStore;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleCommandTest {
  @TempDir Path dir;
  Keys.KeyFiles publisher;

  @BeforeEach
  void givenAPublisher() {
    publisher = givenKeys(dir, "p");
  }

  @Test
  void bundle_create_with_a_key_writes_a_bundle_that_verifies_with_the_public_key() {
    Path model = givenModel(dir);
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            model.toString(),
            "--name",
            "pump",
            "--version",
            "1",
            "--key",
            publisher.privateKey().toString(),
            "--out",
            bundle.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("Wrote " + bundle + " (signed)")
        .contains("Model:    pump v1")
        .contains("sha256:" + Digests.sha256Hex(bundle));
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.verifySignature(TrustStore.load(List.of(publisher.publicKey()))).keyId())
          .isEqualTo(publisher.keyId());
      Manifest manifest = opened.manifest();
      assertThat(manifest.name()).isEqualTo("pump");
      assertThat(manifest.version()).isEqualTo(1);
      assertThat(manifest.entrypoint()).isEqualTo("m.onnx");
      assertThat(manifest.inputs())
          .containsExactly(new TensorSpec("input", DataType.FP32, List.of(-1L, 2L)));
      assertThat(manifest.outputs())
          .containsExactly(new TensorSpec("output", DataType.FP32, List.of(-1L, 2L)));
    }
  }

  @Test
  void bundle_create_without_a_key_says_the_bundle_is_unsigned() {
    Path model = givenModel(dir);
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            model.toString(),
            "--name",
            "pump",
            "--version",
            "1",
            "--meta",
            "team=reliability",
            "--out",
            bundle.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("(unsigned: run 'verge bundle sign')")
        .containsPattern("team\\s+reliability");
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.signature()).isEmpty();
      assertThat(opened.manifest().metadata()).containsEntry("team", "reliability");
    }
  }

  @Test
  void bundle_create_does_not_replace_an_existing_bundle_without_force() throws IOException {
    Path model = givenModel(dir);
    Path bundle = givenSignedBundle(dir.resolve("earlier"), "pump", 1, publisher);
    byte[] earlier = Files.readAllBytes(bundle);
    String[] create = {
      "bundle",
      "create",
      "--model",
      model.toString(),
      "--name",
      "pump",
      "--version",
      "2",
      "--out",
      bundle.toString()
    };

    Cli.Result refused = Cli.run(create);

    assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err())
        .isEqualTo("verge: " + bundle + " exists already; pass --force to replace it\n");
    assertThat(Files.readAllBytes(bundle)).isEqualTo(earlier);

    List<String> forced = new ArrayList<>(List.of(create));
    forced.add("--force");
    Cli.Result replaced = Cli.run(forced.toArray(String[]::new));
    assertThat(replaced.exit()).as(replaced.toString()).isZero();
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().version()).isEqualTo(2);
    }
  }

  @Test
  void bundle_create_with_json_output_prints_only_the_manifest() {
    Path model = givenModel(dir);

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            model.toString(),
            "--name",
            "pump",
            "--version",
            "1",
            "--key",
            publisher.privateKey().toString(),
            "--out",
            dir.resolve("b.vbundle").toString(),
            "--output",
            "json");

    assertThat(result.exit()).as(result.toString()).isZero();
    JsonNode manifest = result.json();
    assertThat(manifest.path("name").asText()).isEqualTo("pump");
    assertThat(manifest.path("version").asLong()).isEqualTo(1);
    assertThat(manifest.path("inputs").get(0).path("name").asText()).isEqualTo("input");
    assertThat(manifest.path("inputs").get(0).path("datatype").asText()).isEqualTo("FP32");
    assertThat(manifest.path("outputs").get(0).path("name").asText()).isEqualTo("output");
    assertThat(manifest.path("files").get(0).path("sha256").asText())
        .isEqualTo(Digests.sha256Hex(model));
  }

  @Test
  void bundle_create_exits_1_naming_a_bad_model_name() {
    Path model = givenModel(dir);
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            model.toString(),
            "--name",
            "Pump!",
            "--version",
            "1",
            "--out",
            bundle.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: ").contains("'Pump!'").doesNotContain("\tat ");
    assertThat(bundle).doesNotExist();
  }

  @Test
  void bundle_create_exits_1_with_a_clear_message_when_the_model_is_not_onnx() {
    Path notAModel = Fixtures.write(dir.resolve("notes.onnx"), "these are not the weights");
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            notAModel.toString(),
            "--name",
            "pump",
            "--version",
            "1",
            "--out",
            bundle.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("verge: ")
        .contains(notAModel.toString())
        .contains("ONNX")
        .doesNotContain("\tat ")
        .doesNotContain("Exception");
    assertThat(bundle).doesNotExist();
  }

  @Test
  void bundle_create_exits_1_when_the_model_file_is_missing() {
    Path missing = dir.resolve("missing.onnx");

    Cli.Result result =
        Cli.run(
            "bundle",
            "create",
            "--model",
            missing.toString(),
            "--name",
            "pump",
            "--version",
            "1",
            "--out",
            dir.resolve("b.vbundle").toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).contains("cannot read model " + missing).doesNotContain("\tat ");
  }

  @Test
  void bundle_sign_then_verify_with_the_trusted_key_prints_ok() {
    Path bundle = givenUnsignedBundle(dir, "pump", 1);

    Cli.Result signed =
        Cli.run("bundle", "sign", bundle.toString(), "--key", publisher.privateKey().toString());
    Cli.Result verified =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", publisher.publicKey().toString());

    assertThat(signed.exit()).as(signed.toString()).isZero();
    assertThat(signed.out()).contains("Signed " + bundle + " with key " + publisher.keyId());
    assertThat(verified.exit()).as(verified.toString()).isZero();
    assertThat(verified.out())
        .startsWith("OK: pump v1")
        .contains("signed by trusted key " + publisher.keyId());
  }

  @Test
  void bundle_verify_accepts_a_folder_of_trusted_keys() {
    Path bundle = givenSignedBundle(dir.resolve("build"), "pump", 1, publisher);

    Cli.Result result = Cli.run("bundle", "verify", bundle.toString(), "--trust", dir.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith("OK: ");
  }

  @Test
  void bundle_verify_exits_1_naming_digest_mismatch_when_the_model_was_replaced() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);
    Fixtures.replaceEntry(bundle, Fixtures.MODEL_FILE, TestModels.logistic(5.0f));

    Cli.Result result =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", publisher.publicKey().toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: bundle rejected (DIGEST_MISMATCH): ");
    assertThat(result.out()).doesNotContain("OK");
  }

  @Test
  void bundle_verify_exits_1_naming_untrusted_key_when_signed_by_another_publisher() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);
    Keys.KeyFiles stranger = givenKeys(dir.resolve("other"), "q");

    Cli.Result result =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", stranger.publicKey().toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("verge: bundle rejected (UNTRUSTED_KEY): ")
        .contains(publisher.keyId());
  }

  @Test
  void bundle_verify_exits_1_naming_corrupt_archive_for_random_bytes() {
    byte[] noise = new byte[4096];
    new Random(42).nextBytes(noise);
    Path bundle = Fixtures.write(dir.resolve("noise.vbundle"), noise);

    Cli.Result result =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", publisher.publicKey().toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: bundle rejected (CORRUPT_ARCHIVE): ");
  }

  @Test
  void bundle_verify_exits_1_naming_unsigned_for_a_bundle_without_signature() {
    Path bundle = givenUnsignedBundle(dir, "pump", 1);

    Cli.Result result =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", publisher.publicKey().toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: bundle rejected (UNSIGNED): ");
  }

  @Test
  void bundle_verify_without_trust_is_a_usage_error() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);

    Cli.Result result = Cli.run("bundle", "verify", bundle.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("--trust");
  }

  @Test
  void bundle_inspect_prints_the_manifest_tensors_files_and_signer() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);

    Cli.Result result = Cli.run("bundle", "inspect", bundle.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("Model:    pump v1")
        .contains("runtime onnxruntime")
        .contains("Digest:   sha256:" + Digests.sha256Hex(bundle))
        .contains("Signed:   by key " + publisher.keyId() + " (not verified here")
        .containsPattern("TENSOR\\s+NAME\\s+TYPE\\s+SHAPE")
        .containsPattern("input\\s+input\\s+FP32\\s+\\[-1, 2\\]")
        .containsPattern("output\\s+output\\s+FP32\\s+\\[-1, 2\\]")
        .containsPattern("m\\.onnx\\s+\\d+\\s+[0-9a-f]{64}");
  }

  @Test
  void bundle_inspect_with_json_output_prints_the_manifest() {
    Path bundle = givenSignedBundle(dir, "pump", 3, publisher);

    Cli.Result result = Cli.run("bundle", "inspect", bundle.toString(), "-o", "json");

    assertThat(result.exit()).as(result.toString()).isZero();
    JsonNode manifest = result.json();
    assertThat(manifest.path("name").asText()).isEqualTo("pump");
    assertThat(manifest.path("version").asLong()).isEqualTo(3);
    assertThat(manifest.path("entrypoint").asText()).isEqualTo("m.onnx");
    assertThat(manifest.path("runtime").asText()).isEqualTo("onnxruntime");
  }

  @Test
  void bundle_inspect_exits_1_when_the_archive_is_tampered() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);
    Fixtures.replaceEntry(bundle, Fixtures.MODEL_FILE, new byte[] {1, 2, 3});

    Cli.Result result = Cli.run("bundle", "inspect", bundle.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: bundle rejected (DIGEST_MISMATCH)");
  }

  private static final String PAIR_SAMPLES =
      """
      {"samples": [{"id": "even",
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 2], "data": [0.5, 0.5]}],
        "outputs": [{"name": "output", "datatype": "FP32", "shape": [1, 2], "data": [%s, 0.5]}]}]}
      """;

  private Cli.Result createWithSamples(String samples, Path bundle) {
    Path file = Fixtures.write(dir.resolve("samples.json"), samples);
    return Cli.run(
        "bundle",
        "create",
        "--model",
        givenModel(dir).toString(),
        "--name",
        "pump",
        "--version",
        "1",
        "--samples",
        file.toString(),
        "--key",
        publisher.privateKey().toString(),
        "--out",
        bundle.toString());
  }

  @Test
  void bundle_create_packs_samples_that_inspect_shows_and_a_device_can_read() {
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result created = createWithSamples(PAIR_SAMPLES.formatted("0.5"), bundle);

    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(created.out()).contains("Samples:  samples.json, 1 sample, run and checked");
    Cli.Result inspected = Cli.run("bundle", "inspect", bundle.toString());
    assertThat(inspected.exit()).as(inspected.toString()).isZero();
    assertThat(inspected.out())
        .containsPattern("SAMPLE\\s+INPUTS\\s+EXPECTED OUTPUTS\\s+TOLERANCE")
        .containsPattern(
            "even\\s+input FP32 \\[1, 2\\]\\s+output FP32 \\[1, 2\\]\\s+absolute 1.0E-5")
        .containsPattern("samples\\.json\\s+\\d+\\s+[0-9a-f]{64}");
    assertThat(
            Cli.run(
                    "bundle",
                    "verify",
                    bundle.toString(),
                    "--trust",
                    publisher.publicKey().toString())
                .exit())
        .isZero();
    try (Bundle opened = Bundle.open(bundle)) {
      assertThat(opened.manifest().samples()).isEqualTo("samples.json");
      assertThat(opened.samples().orElseThrow().samples().getFirst().outputs().getFirst().data())
          .isEqualTo(new float[] {0.5f, 0.5f});
    }
  }

  @Test
  void bundle_create_refuses_samples_the_model_does_not_answer_and_writes_nothing() {
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result = createWithSamples(PAIR_SAMPLES.formatted("0.9"), bundle);

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .contains("does not hold for the model: sample 'even', output 'output' differs at 1 of 2")
        .contains("element 0 is 0.5, expected 0.9")
        .contains("A device would refuse this bundle at install");
    assertThat(bundle).doesNotExist();
  }

  @Test
  void bundle_create_names_what_is_wrong_in_a_sample_file() {
    Path bundle = dir.resolve("b.vbundle");

    Cli.Result result =
        createWithSamples(PAIR_SAMPLES.formatted("0.5").replace("\"inputs\"", "\"input\""), bundle);

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("verge: samples are not valid: ")
        .contains("sample 1 has unknown field \"input\"");
    assertThat(bundle).doesNotExist();
  }

  @Test
  void bundle_inspect_says_when_a_bundle_ships_no_samples() {
    Path bundle = givenSignedBundle(dir, "pump", 1, publisher);

    Cli.Result result = Cli.run("bundle", "inspect", bundle.toString());

    assertThat(result.out()).contains("Samples:  none (devices warm it on zeros, best effort");
  }

  @Test
  void bundle_verify_runs_the_samples_as_a_device_would() throws IOException {
    Path model = givenModel(dir);
    Path samples = Fixtures.write(dir.resolve("s.json"), PAIR_SAMPLES.formatted("0.9"));
    Path bundle = dir.resolve("b.vbundle");
    // Made without the CLI, which would refuse samples that do not hold.
    BundleWriter.create(
        new BundleWriter.Spec("pump", 1, model, List.of(), List.of(), null, null, samples),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, Keys.readPrivate(publisher.privateKey()));

    Cli.Result refused =
        Cli.run("bundle", "verify", bundle.toString(), "--trust", publisher.publicKey().toString());

    assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err())
        .startsWith(
            "verge: sample check failed: pump v1, sample 'even', output 'output' differs at 1 of 2");

    Path good = dir.resolve("good.vbundle");
    assertThat(createWithSamples(PAIR_SAMPLES.formatted("0.5"), good).exit()).isZero();
    Cli.Result ok =
        Cli.run("bundle", "verify", good.toString(), "--trust", publisher.publicKey().toString());
    assertThat(ok.out())
        .contains(
            "signed by trusted key " + publisher.keyId() + "; its sample" + " answers as expected");
  }
}
