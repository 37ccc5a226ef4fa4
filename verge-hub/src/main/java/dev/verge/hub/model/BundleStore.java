package dev.verge.hub.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where published bundles' bytes live, by SHA-256: each written once, never changed, so that any
 * hub sharing the store (and any cache in front of it) serves the same bytes for a digest. An
 * upload is received and verified in a local file first ({@link #newUpload}); only a bundle that
 * passed is kept. {@link FolderBundleStore} is a folder, local or shared; an object store (S3 and
 * the like) fits the same calls.
 */
public interface BundleStore {
  /** An empty local file to receive an upload into; the caller deletes it unless it is kept. */
  Path newUpload() throws IOException;

  /**
   * Keeps the verified {@code upload} as the bundle {@code digest}, taking the file (moved or
   * copied, then gone); when the store holds that digest already, it stays as it is.
   */
  void keep(Path upload, String digest) throws IOException;

  /**
   * The stored bundle's size in bytes.
   *
   * @throws NoSuchFileException when the store does not hold it
   */
  long size(String digest) throws IOException;

  /** The stored bundle's bytes from byte {@code from} on. */
  InputStream open(String digest, long from) throws IOException;

  /** Removes the bundle, when nothing refers to it (a publish that lost a race). */
  void remove(String digest) throws IOException;

  /** Free bytes for uploads; {@link Long#MAX_VALUE} when it cannot be told. */
  long usableSpace();

  /** Removes uploads a crash left behind, older than {@code cutoff}. */
  void removeStaleUploads(Instant cutoff);

  /** Where the bundle is, for messages: a path, a URL. */
  String describe(String digest);
}
