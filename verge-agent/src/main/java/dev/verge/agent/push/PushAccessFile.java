package dev.verge.agent.push;

import dev.verge.core.api.PushAccess;
import dev.verge.core.json.Json;
import dev.verge.core.json.JsonFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * The push access the hub last issued, kept in the data folder ({@code push.json}, readable by its
 * owner only: it holds the broker password) so a restart reuses it instead of asking the hub for a
 * new password each time. A file for another device, or one that cannot be read, counts as none.
 */
public final class PushAccessFile {
  public static final String NAME = "push.json";

  /** The most bytes a kept file may hold: far above a real one. */
  static final int MAX_BYTES = 64 * 1024;

  private static final System.Logger LOG = System.getLogger(PushAccessFile.class.getName());

  private final Path file;

  /** The file as stored on disk: whose access it is. */
  record Kept(String deviceId, PushAccess access) {}

  public PushAccessFile(Path file) {
    this.file = file;
  }

  /** What was kept for {@code deviceId}; empty when nothing (usable) was. */
  public Optional<PushAccess> read(String deviceId) {
    try {
      if (!Files.isRegularFile(file)) {
        return Optional.empty();
      }
      if (Files.size(file) > MAX_BYTES) {
        LOG.log(System.Logger.Level.WARNING, "{0} is too large to be push access: ignored", file);
        return Optional.empty();
      }
      Kept kept = Json.read(Files.readAllBytes(file), Kept.class);
      if (!deviceId.equals(kept.deviceId()) || kept.access() == null) {
        return Optional.empty();
      }
      return Optional.of(kept.access());
    } catch (IOException | JsonFormatException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot read push access from {0} ({1}): the hub is asked for new access",
          file,
          e.getMessage());
      return Optional.empty();
    }
  }

  /**
   * Keeps {@code access}, replacing the file whole (a kill leaves the old one or the new one).
   * Failing only logs: push works on, and the next start asks the hub again.
   */
  public void save(String deviceId, PushAccess access) {
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.deleteIfExists(temporary);
      if (Files.getFileStore(file.getParent()).supportsFileAttributeView("posix")) {
        Files.createFile(
            temporary,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(temporary);
      }
      Files.write(temporary, Json.write(new Kept(deviceId, access)));
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "cannot keep push access in {0} ({1}): the next start asks the hub again",
          file,
          e.getMessage());
    }
  }

  /** Forgets the kept access (the hub no longer pushes). */
  public void delete() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot delete {0}: {1}", file, e.getMessage());
    }
  }

  @Override
  public String toString() {
    return "PushAccessFile[" + file + "]";
  }
}
