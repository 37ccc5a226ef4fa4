package dev.verge.core.bundle;

/**
 * The bundle format's {@code major.minor} version. A reader understands every minor version of its
 * major (new minor versions only add fields, which readers ignore) and refuses any other major.
 */
public record FormatVersion(int major, int minor) {
  /** 1.1 added the manifest's optional {@code samples}; a 1.0 reader serves without them. */
  public static final FormatVersion CURRENT = new FormatVersion(1, 1);

  public static FormatVersion parse(String text) {
    if (text == null || !text.matches("\\d{1,4}\\.\\d{1,4}")) {
      throw new BundleException(
          BundleProblem.INVALID_MANIFEST,
          "manifest formatVersion must look like '1.0', got " + (text == null ? "nothing" : text));
    }
    int dot = text.indexOf('.');
    return new FormatVersion(
        Integer.parseInt(text.substring(0, dot)), Integer.parseInt(text.substring(dot + 1)));
  }

  public boolean isReadable() {
    return major == CURRENT.major;
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }
}
