package dev.verge.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The device's data folder: {@code agent.db} (identity, state, predictions), {@code bundles/}, and
 * {@code push.json} (the push access last issued, owner-only). Created readable by its owner only,
 * since it holds the device credential.
 */
final class DataDir {
  static final String STORE_FILE = "agent.db";
  static final String BUNDLES = "bundles";
  private static final System.Logger LOG = System.getLogger(DataDir.class.getName());
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  private DataDir() {}

  /** Creates the folder and its bundle folder where missing; returns the folder. */
  static Path prepare(Path dir) {
    Path root = dir.toAbsolutePath();
    createOwnerOnly(root, true);
    createOwnerOnly(root.resolve(BUNDLES), false);
    return root;
  }

  private static void createOwnerOnly(Path dir, boolean warnIfShared) {
    try {
      boolean posix = Files.getFileStore(existingAncestor(dir)).supportsFileAttributeView("posix");
      if (Files.notExists(dir)) {
        if (posix) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } else {
          Files.createDirectories(dir);
        }
      } else if (posix && warnIfShared) {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(dir);
        permissions.retainAll(
            Set.of(
                PosixFilePermission.GROUP_READ,
                PosixFilePermission.GROUP_EXECUTE,
                PosixFilePermission.OTHERS_READ,
                PosixFilePermission.OTHERS_EXECUTE));
        if (!permissions.isEmpty()) {
          LOG.log(
              System.Logger.Level.WARNING,
              "data folder {0} can be listed by other users ({1}); its store is owner-only, but"
                  + " consider chmod 700",
              dir,
              permissions);
        }
      }
    } catch (IOException e) {
      throw new InvalidConfigException("cannot create data folder " + dir + ": " + e, e);
    }
  }

  private static Path existingAncestor(Path dir) {
    Path current = dir;
    while (current != null && Files.notExists(current)) {
      current = current.getParent();
    }
    return current == null ? Path.of(".").toAbsolutePath() : current;
  }
}
