package dev.verge.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version this agent reports to the hub and in its server metadata. */
public final class AgentVersion {
  /** The Maven project version the module was built as. */
  public static final String CURRENT = read();

  private AgentVersion() {}

  private static String read() {
    try (InputStream in = AgentVersion.class.getResourceAsStream("version.properties")) {
      if (in == null) {
        throw new IllegalStateException("version.properties is missing from the agent jar");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the agent version", e);
    }
  }
}
