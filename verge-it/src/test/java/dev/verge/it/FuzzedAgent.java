package dev.verge.it;

import dev.verge.agent.Agent;
import dev.verge.core.api.DeploymentView;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * A real hub and one real agent on loopback serving the two models {@link FuzzRequests} knows,
 * {@code pump} ({@link TestModels#logistic()}) and {@code types} ({@link TestModels#allTypes()}),
 * each published as a signed bundle and deployed; plus what the fuzz reads of the JVM's memory.
 */
final class FuzzedAgent implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String VALID =
      "{\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[1,2],\"data\":[8.3,7.5]}]}";

  final Fleet fleet;
  final Agent agent;

  FuzzedAgent(Path root) throws IOException, InterruptedException {
    fleet = new Fleet(root);
    try {
      Fleet.Publisher publisher = fleet.publisher("publisher", true);
      fleet.publish("pump", 1, TestModels.logistic(), publisher);
      fleet.publish("types", 1, TestModels.allTypes(), publisher);
      agent =
          fleet.start(
              fleet
                  .agentConfig("fuzzed", Map.of("site", "fuzz"), publisher.publicKey())
                  // A million answered predictions outgrow the default budget without a hub
                  // that keeps up; the budget's own refusals are not what this fuzzes.
                  .withMaxStoreBytes(0));
      DeploymentView pump = fleet.deploy("pump", 1, Map.of("site", "fuzz"));
      DeploymentView types = fleet.deploy("types", 1, Map.of("site", "fuzz"));
      Fleet.await(
          "the agent serves both models",
          () ->
              fleet.admin.deployment(pump.id()).counts().active() == 1
                  && fleet.admin.deployment(types.id()).counts().active() == 1);
    } catch (RuntimeException | IOException | InterruptedException e) {
      fleet.close();
      throw e;
    }
  }

  int port() {
    return agent.inferenceUrl().getPort();
  }

  /** The status of a valid infer call and of the liveness probe, as a client sees them. */
  int validInfer() throws IOException, InterruptedException {
    HttpResponse<String> answer =
        HTTP.send(
            HttpRequest.newBuilder(agent.inferenceUrl().resolve("/v2/models/pump/infer"))
                .timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(VALID))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return answer.statusCode();
  }

  /** Heap in use after a full collection, the heap committed, and the process's resident memory. */
  record Memory(long heapBytes, long committedBytes, long residentBytes) {
    static Memory now() {
      for (int i = 0; i < 3; i++) {
        System.gc();
      }
      var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
      return new Memory(heap.getUsed(), heap.getCommitted(), resident());
    }

    /** The process's resident memory in bytes, -1 where the system does not tell. */
    static long resident() {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
          }
        }
      } catch (IOException | RuntimeException e) {
        // Not Linux: resident memory unknown.
      }
      return -1;
    }
  }

  @Override
  public void close() {
    fleet.close();
  }
}
