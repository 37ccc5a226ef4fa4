package dev.verge.core.bundle;

import java.util.Set;

/** Which names may stand inside a bundle: relative, forward-slashed, never climbing out. */
final class BundlePaths {
  static final Set<String> RESERVED = Set.of(Manifest.FILE_NAME, Manifest.SIGNATURE_FILE_NAME);

  private BundlePaths() {}

  static String requireSafe(String path) {
    if (path == null || path.isEmpty()) {
      throw unsafe("an empty path");
    }
    if (path.startsWith("/")
        || path.contains("\\")
        || path.contains("\0")
        || path.matches("^[A-Za-z]:.*")) {
      throw unsafe("'" + path + "' (absolute or not forward-slashed)");
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".") || segment.isEmpty()) {
        throw unsafe("'" + path + "' (escapes the bundle or has an empty segment)");
      }
    }
    return path;
  }

  private static BundleException unsafe(String what) {
    return new BundleException(BundleProblem.UNSAFE_PATH, "bundle holds an unsafe path: " + what);
  }
}
