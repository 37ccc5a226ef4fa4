package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Engines;
import dev.verge.agent.Http;
import dev.verge.agent.store.AgentStore;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.TestModels;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The statistics carry Triton's split of the time, on REST as on gRPC. */
class TritonStatisticsTest {
  @TempDir Path dir;

  @Test
  void statistics_split_successes_into_queue_input_infer_and_output() {
    ModelRegistry registry = new ModelRegistry();
    registry.activate(Engines.ONNX.load(new ModelSource("pump", 3, TestModels.logistic())));
    try (AgentStore store = SqliteAgentStore.open(dir.resolve("agent.db"));
        InferenceServer server =
            InferenceServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                registry,
                store,
                Optional::empty,
                Map::of);
        Http http = new Http(URI.create("http://127.0.0.1:" + server.port()))) {
      http.post("/v2/models/pump/infer", Http.logisticRequest("a", 1, 1));
      http.post("/v2/models/pump/infer", Http.logisticRequest("b", 1, 1));

      JsonNode stats =
          http.get("/v2/models/pump/stats")
              .json()
              .path("model_stats")
              .get(0)
              .path("inference_stats");

      long total = stats.path("success").path("ns").asLong();
      long phases = 0;
      for (String phase :
          new String[] {"queue", "compute_input", "compute_infer", "compute_output"}) {
        assertThat(stats.path(phase).path("count").asLong()).as(phase).isEqualTo(2);
        phases += stats.path(phase).path("ns").asLong();
      }
      assertThat(stats.path("queue").path("ns").asLong()).isZero();
      assertThat(stats.path("compute_infer").path("ns").asLong()).isPositive();
      assertThat(phases).isLessThanOrEqualTo(total);
      // The in-process API answers the same numbers.
      assertThat(
              server
                  .local()
                  .statistics("pump", 3L)
                  .modelStats()
                  .getFirst()
                  .inferenceStats()
                  .computeInfer()
                  .count())
          .isEqualTo(2);
    } finally {
      registry.close();
    }
  }
}
