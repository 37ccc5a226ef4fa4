package dev.verge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build of the CLI is: the project version and the commit it was built from, stamped into
 * {@code build.properties} by the build.
 *
 * @param version the Maven project version
 * @param commit the abbreviated commit id, or "unknown" when built outside a git checkout
 * @param dirty whether the work tree had uncommitted changes when it was built
 */
public record BuildInfo(String version, String commit, boolean dirty) {
  /** This build's. */
  public static final BuildInfo CURRENT = read();

  /** One line for {@code verge --version}: {@code verge 0.1.0 (commit 0123abcd4567)}. */
  public String describe() {
    return "verge " + version + " (commit " + commit + (dirty ? ", modified" : "") + ")";
  }

  private static BuildInfo read() {
    try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
      if (in == null) {
        throw new IllegalStateException("build.properties is missing from the CLI jar");
      }
      Properties p = new Properties();
      p.load(in);
      return new BuildInfo(
          stamped(p.getProperty("version"), "dev"),
          stamped(p.getProperty("commit"), "unknown"),
          Boolean.parseBoolean(stamped(p.getProperty("dirty"), "false")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the CLI's build.properties", e);
    }
  }

  /** A value the build left unreplaced (no git checkout) reads as {@code fallback}. */
  private static String stamped(String value, String fallback) {
    return value == null || value.isBlank() || value.startsWith("${") ? fallback : value;
  }
}
