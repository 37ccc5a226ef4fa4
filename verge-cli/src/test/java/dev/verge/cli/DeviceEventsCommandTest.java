package dev.verge.cli;

import static dev.verge.cli.Fixtures.givenKeys;
import static dev.verge.cli.Fixtures.givenSignedBundle;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.config.ConfigFile;
import dev.verge.cli.config.PipelineSettings;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline written in an agent's YAML file, run by a real agent against a real hub: its
 * predictions and the events its rule raises reach the hub, and {@code verge devices events} lists
 * them.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeviceEventsCommandTest {
  @TempDir Path dir;
  Hub hub;
  HubAdminClient admin;
  Path tokenFile;
  final OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
  final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    admin = new HubAdminClient(hub.url(), hub.adminToken());
    tokenFile = Fixtures.write(dir.resolve("admin.token"), hub.adminToken());
  }

  @AfterEach
  void stop() {
    agents.forEach(Agent::close);
    hub.close();
    engine.close();
  }

  Cli.Result verge(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--hub", hub.url().toString(), "--token-file", tokenFile.toString()));
    Cli.Result result = Cli.run(all.toArray(String[]::new));
    assertThat(result.exit()).as(result.toString()).isZero();
    return result;
  }

  @Test
  void events_a_configured_pipeline_raises_are_listed_by_devices_events() throws Exception {
    Keys.KeyFiles publisher = givenKeys(dir.resolve("keys"), "p");
    verge("keys", "trust", publisher.publicKey().toString());
    verge("model", "push", givenSignedBundle(dir.resolve("b1"), "pump", 1, publisher).toString());
    ConfigFile file =
        ConfigFile.read(
            Fixtures.write(
                dir.resolve("agent.yaml"),
                """
                agent:
                  pipelines:
                    pump-watch:
                      model: pump
                      source:
                        synthetic:
                          fields:
                            temperature: {mean: 30}
                            vibration: {mean: 3}
                      schedule: {every: 50ms}
                      input:
                        features:
                          - {field: temperature, scale: 0.1}
                          - vibration
                      rules:
                        - name: failure risk
                          when: output[1] > 0.8
                          then:
                            - event: {severity: critical, message: pump failure risk}
                """));
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("agent"))
                .withPort(0)
                .withEnrollmentToken(admin.createEnrollmentToken(600L, "far").token())
                .withDevice("far-edge", Map.of("site", "far"))
                .withTrustedKeys(List.of(publisher.publicKey()))
                .withPollInterval(Duration.ofMillis(100))
                .withForwarding(Duration.ofMillis(100), 100)
                .withPipelines(PipelineSettings.read(file)),
            engine);
    agents.add(agent);
    verge("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");

    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (admin.events(agent.deviceId(), -1, 100).size() < 3) {
      assertThat(System.nanoTime()).as("3 events on the hub in time").isLessThan(deadline);
      Thread.sleep(20);
    }

    Cli.Result listed = verge("devices", "events", "far-edge");
    assertThat(listed.out())
        .containsPattern("SEQ +TIME +SEVERITY +PIPELINE +RULE +MODEL +MESSAGE +DETAILS")
        .containsPattern("1 +\\S+ +critical +pump-watch +failure risk +pump v1 +pump failure risk");
    JsonNode json =
        Cli.run(
                "devices",
                "events",
                "far-edge",
                "--after",
                "1",
                "--limit",
                "1",
                "-o",
                "json",
                "--hub",
                hub.url().toString(),
                "--token-file",
                tokenFile.toString())
            .json();
    assertThat(json).hasSize(1);
    assertThat(json.get(0).path("event").path("sequence").asLong()).isEqualTo(2);
    assertThat(
            json.get(0).path("event").path("details").path("outputs").path("output[1]").asDouble())
        .isGreaterThan(0.8);
    assertThat(admin.device(agent.deviceId()).predictionsSynced()).isPositive();
  }
}
