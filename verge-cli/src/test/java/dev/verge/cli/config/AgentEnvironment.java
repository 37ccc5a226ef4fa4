package dev.verge.cli.config;

import dev.verge.core.signing.Keys;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** The variables every agent settings test needs: a hub, a data folder and a trusted key. */
final class AgentEnvironment {
  private AgentEnvironment() {}

  /** Writes a publisher key pair into {@code dir} and returns a mutable map naming it. */
  static Map<String, String> required(Path dir) {
    Keys.writePair(Keys.generate(), dir, "p");
    Map<String, String> env = new HashMap<>();
    env.put("VERGE_AGENT_HUB", "http://127.0.0.1:1");
    env.put("VERGE_AGENT_DATA", dir.resolve("agent").toString());
    env.put("VERGE_AGENT_TRUST", dir.resolve("p.pub").toString());
    return env;
  }
}
