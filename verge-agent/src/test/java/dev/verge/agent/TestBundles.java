package dev.verge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.bundle.Samples;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.runtime.TestModels;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/** Real signed bundles of the tiny ONNX test models, made in a temporary folder. */
public final class TestBundles {
  public static final List<TensorSpec> LOGISTIC_INPUTS =
      List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 2L)));
  public static final List<TensorSpec> LOGISTIC_OUTPUTS =
      List.of(new TensorSpec("output", DataType.FP32, List.of(-1L, 2L)));

  private final Path dir;
  private final KeyPair publisher;
  private final Path publicKey;

  public TestBundles(Path dir) {
    this.dir = dir;
    this.publisher = Keys.generate();
    this.publicKey = Keys.writePair(publisher, dir.resolve("keys"), "publisher").publicKey();
  }

  /** The publisher's {@code .pub} file, to trust. */
  public Path publicKey() {
    return publicKey;
  }

  /**
   * The logistic model as version {@code version}; each version moves the decision point, so
   * versions answer differently.
   */
  public byte[] logistic(String name, long version) {
    return bundle(name, version, TestModels.logistic(version), publisher.getPrivate());
  }

  /**
   * A model that answers like the logistic one while every feature is in [0, 2) and fails inside
   * ONNX Runtime otherwise ({@link TestModels#failsOnLargeInputs()}).
   */
  public byte[] failsOnLargeInputs(String name, long version) {
    return bundle(name, version, TestModels.failsOnLargeInputs(), publisher.getPrivate());
  }

  /** The logistic model signed by {@code key} instead of the trusted publisher. */
  public byte[] logistic(String name, long version, PrivateKey key) {
    return bundle(name, version, TestModels.logistic(version), key);
  }

  /** {@code model} bundled and signed by the trusted publisher. */
  public byte[] signed(String name, long version, byte[] model) {
    return bundle(name, version, model, publisher.getPrivate(), null);
  }

  public byte[] bundle(String name, long version, byte[] model, PrivateKey key) {
    return bundle(name, version, model, key, null);
  }

  /**
   * {@code model} bundled with {@code samples} (the text of a sample file, or null for none) and
   * signed by the trusted publisher.
   */
  public byte[] withSamples(String name, long version, byte[] model, String samples) {
    return bundle(name, version, model, publisher.getPrivate(), samples);
  }

  private byte[] bundle(String name, long version, byte[] model, PrivateKey key, String samples) {
    Path work = dir.resolve(name + "-" + version + "-" + System.nanoTime());
    try {
      Files.createDirectories(work);
      Path modelFile = work.resolve("model.onnx");
      Files.write(modelFile, model);
      Path samplesFile = null;
      if (samples != null) {
        samplesFile = Files.writeString(work.resolve("samples-in.json"), samples);
      }
      Path out = work.resolve("bundle.vbundle");
      BundleWriter.create(
          new BundleWriter.Spec(
              name,
              version,
              modelFile,
              LOGISTIC_INPUTS,
              LOGISTIC_OUTPUTS,
              Map.of("trainedBy", "tests"),
              null,
              samplesFile),
          out,
          Clock.systemUTC());
      BundleWriter.sign(out, key);
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code bundle} with its sample file replaced by {@code samples} after signing; with {@code
   * fixDigest} the manifest's digest and size of the file are updated too, as a forger would, so
   * that only the signature can tell.
   */
  public static byte[] forgeSamples(byte[] bundle, String samples, boolean fixDigest) {
    byte[] forged = samples.getBytes(StandardCharsets.UTF_8);
    return rewrite(
        bundle,
        (name, content) -> {
          if (name.equals(Samples.FILE_NAME)) {
            return forged;
          }
          if (fixDigest && name.equals(Manifest.FILE_NAME)) {
            ObjectNode manifest = (ObjectNode) Json.tree(content);
            for (JsonNode file : manifest.withArray("files")) {
              if (file.path("path").asText().equals(Samples.FILE_NAME)) {
                ((ObjectNode) file)
                    .put("sha256", Digests.sha256Hex(forged))
                    .put("size", forged.length);
              }
            }
            return Json.write(manifest);
          }
          return content;
        });
  }

  /** {@code bundle} signed again by the trusted publisher, whatever it holds now. */
  public byte[] resigned(byte[] bundle) {
    try {
      Files.createDirectories(dir);
      Path file = Files.createTempFile(dir, "resigned-", ".vbundle");
      Files.write(file, bundle);
      BundleWriter.sign(file, publisher.getPrivate());
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code bundle} with its manifest edited after signing: the signature no longer matches. */
  public static byte[] tamper(byte[] bundle) {
    return rewrite(
        bundle,
        (name, content) ->
            name.equals(Manifest.FILE_NAME)
                ? new String(content, StandardCharsets.UTF_8)
                    .replace("\"tests\"", "\"mallory\"")
                    .getBytes(StandardCharsets.UTF_8)
                : content);
  }

  /** Re-zips {@code bundle}, each entry's content passed through {@code change}. */
  private static byte[] rewrite(byte[] bundle, BiFunction<String, byte[], byte[]> change) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bundle));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        byte[] content = change.apply(entry.getName(), in.readAllBytes());
        zip.putNextEntry(new ZipEntry(entry.getName()));
        zip.write(content);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
