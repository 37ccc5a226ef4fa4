package dev.verge.cli;

import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.signing.Keys;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/** Keys, models and bundles made with the real core APIs, for the command tests to work on. */
final class Fixtures {
  /** The file name the model has inside the bundles made here, and so its manifest entry. */
  static final String MODEL_FILE = "m.onnx";

  private Fixtures() {}

  static Keys.KeyFiles givenKeys(Path dir, String name) {
    return Keys.writePair(Keys.generate(), dir, name);
  }

  /** The tiny logistic model ({@code input} FP32 [-1,2] to {@code output} FP32 [-1,2]). */
  static Path givenModel(Path dir) {
    return write(dir.resolve(MODEL_FILE), TestModels.logistic());
  }

  static Path givenUnsignedBundle(Path dir, String name, long version) {
    Path bundle = dir.resolve(name + "-" + version + ".vbundle");
    BundleCommand.create(givenModel(dir), name, version, Map.of(), bundle);
    return bundle;
  }

  static Path givenSignedBundle(Path dir, String name, long version, Keys.KeyFiles keys) {
    Path bundle = givenUnsignedBundle(dir, name, version);
    BundleWriter.sign(bundle, Keys.readPrivate(keys.privateKey()));
    return bundle;
  }

  /** Rewrites {@code bundle} with one entry's bytes replaced and every other entry as it was. */
  static void replaceEntry(Path bundle, String entryName, byte[] bytes) {
    Path copy = bundle.resolveSibling(bundle.getFileName() + ".tampered");
    try {
      try (ZipFile in = new ZipFile(bundle.toFile());
          OutputStream file = Files.newOutputStream(copy);
          ZipOutputStream out = new ZipOutputStream(file)) {
        var entries = in.entries();
        while (entries.hasMoreElements()) {
          ZipEntry entry = entries.nextElement();
          out.putNextEntry(new ZipEntry(entry.getName()));
          if (entry.getName().equals(entryName)) {
            out.write(bytes);
          } else {
            try (InputStream data = in.getInputStream(entry)) {
              data.transferTo(out);
            }
          }
          out.closeEntry();
        }
      }
      Files.move(copy, bundle, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, byte[] bytes) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path write(Path file, String text) {
    return write(file, text.getBytes(StandardCharsets.UTF_8));
  }
}
