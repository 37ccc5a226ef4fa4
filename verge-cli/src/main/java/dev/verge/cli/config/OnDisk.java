package dev.verge.cli.config;

import dev.verge.core.signing.KeyFormatException;
import dev.verge.core.signing.TrustStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Checks, at start, of what settings name on disk, failing with the setting's origin. {@code verge
 * config check} leaves them out: a file is often checked on another machine than it runs.
 */
final class OnDisk {
  private OnDisk() {}

  static void folder(Settings settings, Setting<Path> setting) {
    Path path = settings.get(setting);
    if (path != null && Files.exists(path) && !Files.isDirectory(path)) {
      throw settings.invalid(setting, path + " exists and is not a folder");
    }
  }

  static void trustedKeys(Settings settings, Setting<List<Path>> setting) {
    for (Path key : settings.get(setting)) {
      if (!Files.exists(key)) {
        throw settings.invalid(setting, key + " does not exist");
      }
      try {
        TrustStore.load(List.of(key));
      } catch (KeyFormatException | UncheckedIOException e) {
        throw settings.invalid(setting, e.getMessage());
      }
    }
  }

  /** Largest token or password file read: one secret, not a file named by mistake. */
  static final int MAX_SECRET_BYTES = 4096;

  /**
   * The secret (a token, a password) in the file {@code setting} names, stripped; null when it
   * names none. Read no further than {@link #MAX_SECRET_BYTES}; the secret is never part of a
   * message.
   */
  static String secret(Settings settings, Setting<Path> setting) {
    Path file = settings.get(setting);
    if (file == null) {
      return null;
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SECRET_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw settings.invalid(setting, "does not exist");
    } catch (IOException e) {
      throw settings.invalid(setting, "cannot be read (" + e + ")");
    }
    if (bytes.length > MAX_SECRET_BYTES) {
      throw settings.invalid(
          setting, "is larger than " + MAX_SECRET_BYTES + " bytes; it should hold one secret");
    }
    String secret = new String(bytes, StandardCharsets.UTF_8).strip();
    if (secret.isEmpty()) {
      throw settings.invalid(setting, "is an empty file");
    }
    return secret;
  }
}
