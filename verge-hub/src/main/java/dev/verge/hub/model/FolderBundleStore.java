package dev.verge.hub.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;

/**
 * Bundles as {@code <sha256>.vbundle} files in one folder, uploads beside them (so that keeping one
 * is an atomic rename); hubs sharing a PostgreSQL store share the folder, e.g. on NFS.
 */
public final class FolderBundleStore implements BundleStore {
  public static final String BUNDLE_SUFFIX = ".vbundle";
  static final String UPLOAD_PREFIX = "upload-";
  static final String UPLOAD_SUFFIX = ".tmp";
  private static final System.Logger LOG = System.getLogger(FolderBundleStore.class.getName());

  private final Path folder;

  public FolderBundleStore(Path folder) {
    this.folder = folder;
  }

  @Override
  public Path newUpload() throws IOException {
    Files.createDirectories(folder);
    return Files.createTempFile(folder, UPLOAD_PREFIX, UPLOAD_SUFFIX);
  }

  @Override
  public void keep(Path upload, String digest) throws IOException {
    Path target = path(digest);
    if (Files.exists(target)) {
      Files.deleteIfExists(upload); // The same digest is the same bytes.
      return;
    }
    Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
  }

  @Override
  public long size(String digest) throws IOException {
    return Files.size(path(digest));
  }

  @Override
  public InputStream open(String digest, long from) throws IOException {
    InputStream in = Files.newInputStream(path(digest));
    try {
      in.skipNBytes(from);
      return in;
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  @Override
  public void remove(String digest) throws IOException {
    Files.deleteIfExists(path(digest));
  }

  @Override
  public long usableSpace() {
    try {
      Files.createDirectories(folder);
      return Files.getFileStore(folder).getUsableSpace();
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }

  @Override
  public void removeStaleUploads(Instant cutoff) {
    if (!Files.isDirectory(folder)) {
      return;
    }
    try (var files = Files.list(folder)) {
      for (Path file : files.toList()) {
        String name = file.getFileName().toString();
        if (name.startsWith(UPLOAD_PREFIX)
            && name.endsWith(UPLOAD_SUFFIX)
            && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
          try {
            Files.deleteIfExists(file);
          } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove " + file, e);
          }
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot list " + folder + " for stale uploads", e);
    }
  }

  @Override
  public String describe(String digest) {
    return path(digest).toString();
  }

  @Override
  public String toString() {
    return folder.toString();
  }

  private Path path(String digest) {
    return folder.resolve(digest + BUNDLE_SUFFIX);
  }
}
