package dev.verge.cli;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Files the commands write for the user (bundles, downloads, tokens): none is replaced unasked. */
final class OutputFiles {
  private OutputFiles() {}

  /**
   * Checked before any work is done, so that a refusal costs nothing (no upload, no token spent).
   *
   * @throws CommandFailedException when {@code file} exists and {@code force} is not set
   */
  static void requireReplaceable(Path file, boolean force) {
    if (!force && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      throw new CommandFailedException(file + " exists already; pass --force to replace it");
    }
  }
}
