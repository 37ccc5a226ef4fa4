package dev.verge.core.bundle;

/**
 * Why a bundle was refused. Each value names one check, so callers and tests can tell them apart.
 */
public enum BundleProblem {
  /** Not a readable zip archive, or a damaged entry inside one. */
  CORRUPT_ARCHIVE,
  /**
   * An entry or manifest path that is absolute, climbs out with {@code ..}, or is otherwise unsafe.
   */
  UNSAFE_PATH,
  /** No manifest, or one that is not valid JSON or misses required fields. */
  INVALID_MANIFEST,
  /** A format major version this reader does not understand. */
  UNSUPPORTED_FORMAT,
  /** A file the manifest lists is not in the archive. */
  MISSING_FILE,
  /** An archive entry the manifest does not list. */
  UNLISTED_FILE,
  /** A file whose size or SHA-256 differs from the manifest's. */
  DIGEST_MISMATCH,
  /** No signature where one is required. */
  UNSIGNED,
  /** Signed by a key the verifier does not trust. */
  UNTRUSTED_KEY,
  /** A signature that does not verify against the manifest (tampered manifest or signature). */
  BAD_SIGNATURE,
  /** A sample file that is not valid (see {@link Samples}): wrong JSON, fields or tensors. */
  INVALID_SAMPLES,
  /** A bundle whose version is lower than the one installed, outside a rollback. */
  DOWNGRADE
}
