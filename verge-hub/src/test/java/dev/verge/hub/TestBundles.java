package dev.verge.hub;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.bundle.Samples;
import dev.verge.core.json.CanonicalJson;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Real bundles for tests, built and signed with core's writer over a small fake model file. */
final class TestBundles {
  static final String MODEL_FILE = "model.onnx";

  private final Path dir;
  private final KeyPair publisher;
  private final Path publicKey;
  private final AtomicInteger counter = new AtomicInteger();

  TestBundles(Path dir) {
    this.dir = dir;
    this.publisher = Keys.generate();
    this.publicKey = Keys.writePair(publisher, dir.resolve("keys"), "publisher").publicKey();
  }

  /** The trusted publisher's {@code .pub} file. */
  Path publicKey() {
    return publicKey;
  }

  KeyPair publisher() {
    return publisher;
  }

  Path signed(String name, long version) {
    return signed(name, version, "weights of " + name + " v" + version, publisher);
  }

  Path signed(String name, long version, String modelText, KeyPair key) {
    Path bundle = unsigned(name, version, modelText);
    BundleWriter.sign(bundle, key.getPrivate());
    return bundle;
  }

  Path unsigned(String name, long version) {
    return unsigned(name, version, "weights of " + name + " v" + version);
  }

  Path unsigned(String name, long version, String modelText) {
    Path work = dir.resolve("bundle-" + counter.incrementAndGet());
    try {
      Files.createDirectories(work);
      Path model = work.resolve(MODEL_FILE);
      Files.writeString(model, modelText.repeat(50));
      Path out = work.resolve(name + "-" + version + ".vbundle");
      BundleWriter.create(
          new BundleWriter.Spec(
              name,
              version,
              model,
              List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L))),
              List.of(new TensorSpec("output", DataType.FP32, List.of(-1L, 3L))),
              Map.of("framework", "test"),
              Map.of()),
          out,
          Clock.systemUTC());
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A bundle signed by the publisher whose sample file is not a valid one (its digest in the
   * manifest matches it): only reading the samples can tell.
   */
  Path signedWithUnreadableSamples(String name, long version) {
    Path work = dir.resolve("bundle-" + counter.incrementAndGet());
    byte[] broken = "{\"samples\": []}".getBytes(StandardCharsets.UTF_8);
    try {
      Files.createDirectories(work);
      Path model = Files.writeString(work.resolve(MODEL_FILE), "weights");
      Path samples =
          Files.writeString(
              work.resolve("samples.json"),
              "{\"samples\": [{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\","
                  + " \"shape\": [1, 4], \"data\": [1, 2, 3, 4]}]}]}");
      Path out = work.resolve(name + "-" + version + ".vbundle");
      BundleWriter.create(
          new BundleWriter.Spec(
              name,
              version,
              model,
              List.of(new TensorSpec("input", DataType.FP32, List.of(-1L, 4L))),
              List.of(new TensorSpec("output", DataType.FP32, List.of(-1L, 3L))),
              Map.of(),
              Map.of(),
              samples),
          out,
          Clock.systemUTC());
      Path forged =
          rewrite(
              out,
              (entry, bytes) -> {
                if (entry.equals(Samples.FILE_NAME)) {
                  return broken;
                }
                if (!entry.equals(Manifest.FILE_NAME)) {
                  return bytes;
                }
                ObjectNode manifest = (ObjectNode) Json.tree(bytes);
                for (var file : manifest.withArray("files")) {
                  if (file.path("path").asText().equals(Samples.FILE_NAME)) {
                    ((ObjectNode) file)
                        .put("sha256", Digests.sha256Hex(broken))
                        .put("size", broken.length);
                  }
                }
                return CanonicalJson.bytes(manifest);
              });
      BundleWriter.sign(forged, publisher.getPrivate());
      return forged;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A copy whose model entry has one byte flipped; the manifest and signature are untouched. */
  Path withFlippedModelByte(Path bundle) {
    return rewrite(
        bundle,
        (name, bytes) -> {
          if (name.equals(MODEL_FILE)) {
            bytes[0] ^= 0x01;
          }
          return bytes;
        });
  }

  /** A copy whose manifest metadata changed after signing. */
  Path withEditedManifest(Path bundle) {
    return rewrite(
        bundle,
        (name, bytes) -> {
          if (!name.equals(Manifest.FILE_NAME)) {
            return bytes;
          }
          ObjectNode manifest = (ObjectNode) Json.tree(bytes);
          ((ObjectNode) manifest.get("metadata")).put("framework", "tampered");
          return CanonicalJson.bytes(manifest);
        });
  }

  private Path rewrite(Path bundle, BiFunction<String, byte[], byte[]> change) {
    Path out = dir.resolve("rewritten-" + counter.incrementAndGet() + ".vbundle");
    try (ZipFile in = new ZipFile(bundle.toFile());
        OutputStream file = Files.newOutputStream(out);
        ZipOutputStream zip = new ZipOutputStream(file)) {
      Enumeration<? extends ZipEntry> entries = in.entries();
      while (entries.hasMoreElements()) {
        ZipEntry entry = entries.nextElement();
        byte[] bytes;
        try (InputStream data = in.getInputStream(entry)) {
          bytes = data.readAllBytes();
        }
        zip.putNextEntry(new ZipEntry(entry.getName()));
        zip.write(change.apply(entry.getName(), bytes));
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  Path notAZip() {
    Path out = dir.resolve("not-a-zip-" + counter.incrementAndGet() + ".vbundle");
    try {
      Files.writeString(out, "this is plain text, not a bundle", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }
}
