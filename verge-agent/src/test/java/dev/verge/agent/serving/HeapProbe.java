package dev.verge.agent.serving;

import dev.verge.agent.Engines;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's inference server alone in a JVM started with the agent's heap ({@code -Xmx256m}),
 * with the limits that heap gives: {@link AgentHeapTest} sends it bodies at and over them.
 */
public final class HeapProbe {
  private HeapProbe() {}

  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("verge-heap-probe");
    ModelRegistry registry = new ModelRegistry();
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 1, TestModels.logistic())));
    InferenceServer server =
        InferenceServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            registry,
            SqliteAgentStore.open(dir.resolve("agent.db")),
            Optional::empty,
            Map::of);
    System.out.println("port " + server.port());
    System.out.flush();
    // Serves until the test closes its standard input.
    while (System.in.read() >= 0) {
      // Nothing to read: the test only closes it.
    }
    System.exit(0);
  }
}
