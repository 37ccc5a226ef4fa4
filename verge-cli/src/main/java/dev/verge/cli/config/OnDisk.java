package dev.verge.cli.config;

import dev.verge.core.signing.KeyFormatException;
import dev.verge.core.signing.TrustStore;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
}
