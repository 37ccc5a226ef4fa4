package dev.verge.core.bundle;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.TrustStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Real bundle files for tests: a small fake model packed by {@link BundleWriter}, and helpers that
 * take an archive apart and put it back together differently, as an attacker or a damaged download
 * would.
 */
final class TestBundles {
  static final Instant CREATED = Instant.parse("2025-03-04T05:06:07Z");
  static final Clock CLOCK = Clock.fixed(CREATED, ZoneOffset.UTC);
  static final byte[] MODEL_BYTES = "not really onnx, but bytes all the same".getBytes();
  static final byte[] LABELS_BYTES = "normal\nfailing\n".getBytes(StandardCharsets.UTF_8);
  static final TensorSpec INPUT = new TensorSpec("input", DataType.FP32, List.of(-1L, 2L));
  static final TensorSpec OUTPUT = new TensorSpec("output", DataType.FP32, List.of(-1L, 2L));

  private TestBundles() {}

  /** A model file and a labels file in {@code dir}, and the spec that packs them. */
  static BundleWriter.Spec givenSpec(Path dir) {
    return givenSpec(dir, "pump-anomaly", 3);
  }

  static BundleWriter.Spec givenSpec(Path dir, String name, long version) {
    Path model = write(dir.resolve("inputs").resolve("model.onnx"), MODEL_BYTES);
    Path labels = write(dir.resolve("inputs").resolve("labels.txt"), LABELS_BYTES);
    return new BundleWriter.Spec(
        name,
        version,
        model,
        List.of(INPUT),
        List.of(OUTPUT),
        Map.of("owner", "plant-7"),
        Map.of("meta/labels.txt", labels));
  }

  static Path givenUnsignedBundle(Path dir) {
    Path bundle = dir.resolve("pump-anomaly-3.vbundle");
    BundleWriter.create(givenSpec(dir), bundle, CLOCK);
    return bundle;
  }

  static Path givenSignedBundle(Path dir, KeyPair key) {
    Path bundle = givenUnsignedBundle(dir);
    BundleWriter.sign(bundle, key.getPrivate());
    return bundle;
  }

  static TrustStore trusting(KeyPair... keys) {
    TrustStore trust = TrustStore.empty();
    for (KeyPair key : keys) {
      trust = trust.with(PublisherKey.of(key.getPublic()));
    }
    return trust;
  }

  static KeyPair newKey() {
    return Keys.generate();
  }

  /** The archive's entries, in archive order. */
  static Map<String, byte[]> entries(Path bundle) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(bundle.toFile())) {
      Enumeration<? extends ZipEntry> all = zip.entries();
      while (all.hasMoreElements()) {
        ZipEntry entry = all.nextElement();
        try (InputStream in = zip.getInputStream(entry)) {
          entries.put(entry.getName(), in.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return entries;
  }

  /** Writes {@code entries} as a zip archive, names exactly as given (unsafe ones included). */
  static Path zip(Path file, Map<String, byte[]> entries) {
    write(file, zipBytes(entries));
    return file;
  }

  static byte[] zipBytes(Map<String, byte[]> entries) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        zip.write(entry.getValue());
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** Re-zips {@code bundle} in place after {@code change} edits its entries. */
  static Path rewrite(Path bundle, Consumer<Map<String, byte[]>> change) {
    Map<String, byte[]> entries = entries(bundle);
    change.accept(entries);
    return zip(bundle, entries);
  }

  /** Re-zips {@code bundle} in place with its manifest JSON edited by {@code change}. */
  static Path rewriteManifest(Path bundle, Consumer<ObjectNode> change) {
    return rewrite(
        bundle,
        entries -> {
          ObjectNode manifest = (ObjectNode) Json.tree(entries.get(Manifest.FILE_NAME));
          change.accept(manifest);
          entries.put(Manifest.FILE_NAME, Json.write(manifest));
        });
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(bytes);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }
}
