package dev.verge.agent;

import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.bundle.Manifest;
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

  public byte[] bundle(String name, long version, byte[] model, PrivateKey key) {
    Path work = dir.resolve(name + "-" + version + "-" + System.nanoTime());
    try {
      Files.createDirectories(work);
      Path modelFile = work.resolve("model.onnx");
      Files.write(modelFile, model);
      Path out = work.resolve("bundle.vbundle");
      BundleWriter.create(
          new BundleWriter.Spec(
              name,
              version,
              modelFile,
              LOGISTIC_INPUTS,
              LOGISTIC_OUTPUTS,
              Map.of("trainedBy", "tests"),
              null),
          out,
          Clock.systemUTC());
      BundleWriter.sign(out, key);
      return Files.readAllBytes(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code bundle} with its manifest edited after signing: the signature no longer matches. */
  public static byte[] tamper(byte[] bundle) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bundle));
        ZipOutputStream zip = new ZipOutputStream(out)) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        byte[] content = in.readAllBytes();
        if (entry.getName().equals(Manifest.FILE_NAME)) {
          content =
              new String(content, StandardCharsets.UTF_8)
                  .replace("\"tests\"", "\"mallory\"")
                  .getBytes(StandardCharsets.UTF_8);
        }
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
