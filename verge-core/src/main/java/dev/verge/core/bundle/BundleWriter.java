package dev.verge.core.bundle;

import dev.verge.core.json.CanonicalJson;
import dev.verge.core.json.Json;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.core.signing.PublisherKey;
import dev.verge.core.signing.Signatures;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.PrivateKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Makes bundle files: {@link #create} packs a model, {@link #sign} adds a publisher signature. */
public final class BundleWriter {
  private BundleWriter() {}

  /**
   * What a new bundle holds; the writer fills in digests, sizes and the format version.
   *
   * @param samples a {@link Samples} file to ship as {@value Samples#FILE_NAME}, or null; it is
   *     read and checked here, so a bundle never carries one an agent would refuse to read
   */
  public record Spec(
      String name,
      long version,
      Path model,
      List<TensorSpec> inputs,
      List<TensorSpec> outputs,
      Map<String, String> metadata,
      Map<String, Path> extraFiles,
      Path samples) {
    public Spec {
      metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
      extraFiles = extraFiles == null ? Map.of() : Map.copyOf(extraFiles);
    }

    /** A bundle without samples. */
    public Spec(
        String name,
        long version,
        Path model,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Map<String, String> metadata,
        Map<String, Path> extraFiles) {
      this(name, version, model, inputs, outputs, metadata, extraFiles, null);
    }
  }

  /** Writes a new, unsigned bundle to {@code out} (atomically: a crash leaves no half file). */
  public static Manifest create(Spec spec, Path out, Clock clock) {
    Map<String, Path> files = new LinkedHashMap<>();
    String entrypoint = spec.model().getFileName().toString();
    files.put(entrypoint, spec.model());
    spec.extraFiles()
        .forEach(
            (name, path) -> {
              if (BundlePaths.RESERVED.contains(name) || name.equals(entrypoint)) {
                throw new IllegalArgumentException(
                    "extra file name '" + name + "' is taken by the manifest, signature or model");
              }
              files.put(BundlePaths.requireSafe(name), path);
            });
    if (spec.samples() != null) {
      if (files.containsKey(Samples.FILE_NAME)) {
        throw new IllegalArgumentException(
            "the model or an extra file is named "
                + Samples.FILE_NAME
                + ", the name the sample file takes in a bundle");
      }
      readSamples(spec.samples());
      files.put(Samples.FILE_NAME, spec.samples());
    }
    List<FileEntry> entries = new ArrayList<>();
    for (Map.Entry<String, Path> file : files.entrySet()) {
      try {
        entries.add(
            new FileEntry(
                file.getKey(), Digests.sha256Hex(file.getValue()), Files.size(file.getValue())));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file.getValue(), e);
      }
    }
    Manifest manifest =
        new Manifest(
                FormatVersion.CURRENT.toString(),
                spec.name(),
                spec.version(),
                clock.instant(),
                entrypoint,
                Manifest.RUNTIME_ONNX,
                entries,
                spec.inputs(),
                spec.outputs(),
                spec.metadata(),
                spec.samples() == null ? null : Samples.FILE_NAME)
            .validate();
    writeAtomically(
        out,
        zip -> {
          put(zip, Manifest.FILE_NAME, CanonicalJson.bytes(manifest));
          for (Map.Entry<String, Path> file : files.entrySet()) {
            zip.putNextEntry(new ZipEntry(file.getKey()));
            try (InputStream in = Files.newInputStream(file.getValue())) {
              in.transferTo(zip);
            }
            zip.closeEntry();
          }
        });
    return manifest;
  }

  /**
   * Reads and checks a sample file before it is packed.
   *
   * @throws BundleException {@link BundleProblem#INVALID_SAMPLES} naming what is wrong
   */
  public static Samples readSamples(Path file) {
    try {
      long size = Files.size(file);
      if (size > Samples.MAX_BYTES) {
        throw new BundleException(
            BundleProblem.INVALID_SAMPLES,
            file + " is " + size + " bytes, more than the " + Samples.MAX_BYTES + " allowed");
      }
      return Samples.parse(Files.readAllBytes(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read samples " + file, e);
    }
  }

  /**
   * Signs {@code bundle} in place with {@code key}, replacing any earlier signature. The bundle is
   * checked first, so a damaged bundle is never signed.
   *
   * @return the signing key's public half (its key id is in the signature)
   */
  public static PublisherKey sign(Path bundle, PrivateKey key) {
    PublisherKey publisher = Keys.publicOf(key);
    byte[] canonical;
    try (Bundle opened = Bundle.open(bundle)) {
      canonical = opened.canonicalManifest();
    }
    BundleSignature signature =
        new BundleSignature(
            Keys.ALGORITHM,
            publisher.keyId(),
            Base64.getEncoder().encodeToString(Signatures.sign(key, canonical)));
    Path source = bundle.toAbsolutePath();
    writeAtomically(
        source,
        zip -> {
          try (var in = new java.util.zip.ZipFile(source.toFile())) {
            var entries = in.entries();
            while (entries.hasMoreElements()) {
              ZipEntry entry = entries.nextElement();
              if (entry.getName().equals(Manifest.SIGNATURE_FILE_NAME)) {
                continue;
              }
              zip.putNextEntry(new ZipEntry(entry.getName()));
              try (InputStream data = in.getInputStream(entry)) {
                data.transferTo(zip);
              }
              zip.closeEntry();
            }
          }
          put(zip, Manifest.SIGNATURE_FILE_NAME, Json.write(signature));
        });
    return publisher;
  }

  private interface ZipBody {
    void write(ZipOutputStream zip) throws IOException;
  }

  private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(bytes);
    zip.closeEntry();
  }

  private static void writeAtomically(Path out, ZipBody body) {
    Path target = out.toAbsolutePath();
    try {
      Files.createDirectories(target.getParent());
      Path temp = Files.createTempFile(target.getParent(), ".bundle-", ".tmp");
      try {
        try (OutputStream file = Files.newOutputStream(temp);
            ZipOutputStream zip = new ZipOutputStream(file)) {
          body.write(zip);
        }
        Files.move(
            temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write bundle " + target + ": " + e.getMessage(), e);
    }
  }
}
