package dev.verge.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.sync.InstallObserver;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ReportedState;
import dev.verge.runtime.InferenceEngine;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fake hub, a publisher with real signed bundles, and agents started against them in a temporary
 * data folder. The background sync loop polls once at start and then stays quiet (poll interval of
 * an hour), so tests drive it with {@link Agent#syncNow()}.
 */
abstract class AgentHarness {
  @TempDir Path dir;

  protected FakeHub hub;
  protected TestBundles bundles;
  protected Path data;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = new FakeHub();
    bundles = new TestBundles(dir.resolve("publisher"));
    data = dir.resolve("device");
  }

  @AfterEach
  void stopAll() throws Exception {
    for (AutoCloseable closeable : closeables.reversed()) {
      closeable.close();
    }
    hub.close();
  }

  protected AgentConfig config() {
    return AgentConfig.defaults(hub.url(), data)
        .withPort(0)
        .withEnrollmentToken(FakeHub.TOKEN)
        .withDevice("edge-1", Map.of("site", "plant-a"))
        .withTrustedKeys(List.of(bundles.publicKey()))
        .withPollInterval(Duration.ofHours(1))
        .withForwarding(Duration.ofHours(1), 500);
  }

  protected Agent start() {
    return start(config());
  }

  protected Agent start(AgentConfig config) {
    return start(config, Engines.ONNX);
  }

  protected Agent start(AgentConfig config, InferenceEngine engine) {
    Agent agent = Agent.start(config, engine);
    closeables.add(agent);
    return agent;
  }

  /** An agent that tells {@code observer} of each install step it journals. */
  protected Agent start(AgentConfig config, InstallObserver observer) {
    Agent agent = Agent.start(config, Engines.ONNX, Clock.systemUTC(), observer);
    closeables.add(agent);
    return agent;
  }

  protected Agent start(AgentConfig config, Clock clock) {
    Agent agent = Agent.start(config, Engines.ONNX, clock);
    closeables.add(agent);
    return agent;
  }

  protected Http http(Agent agent) {
    Http http = new Http(agent.inferenceUrl());
    closeables.add(http);
    return http;
  }

  /** Infers with the logistic model and returns the version that answered. */
  protected static String versionAnswering(Http http, String model) {
    Http.Response response =
        http.post("/v2/models/" + model + "/infer", Http.logisticRequest("t", 1, 1));
    if (response.status() != 200) {
      throw new AssertionError("infer answered " + response.status() + ": " + response.body());
    }
    JsonNode body = response.json();
    return body.path("model_version").asText();
  }

  /** What the last report said of {@code model}'s versions, without its health counters. */
  protected Optional<ModelReport> reportedVersions(String model) {
    return reported(model).map(AgentHarness::withoutStats);
  }

  protected static ModelReport withoutStats(ModelReport r) {
    return new ModelReport(
        r.name(),
        r.activeVersion(),
        r.installedVersions(),
        r.failedVersion(),
        r.error(),
        r.failedDeployment(),
        null,
        r.pending());
  }

  protected Optional<ModelReport> reported(String model) {
    ReportedState state = hub.lastReport();
    if (state == null) {
      return Optional.empty();
    }
    return state.models().stream().filter(m -> m.name().equals(model)).findFirst();
  }
}
