package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsSettingsTest {
  @TempDir Path dir;

  @Test
  void hub_metrics_need_the_token_unless_metrics_open_is_set() {
    Map<String, String> env = Map.of("VERGE_HUB_DATA", dir.resolve("hub").toString());
    HubConfig closed =
        HubSettings.toConfig(Settings.resolve("hub", HubSettings.ALL, null, env, Map.of()));
    assertThat(closed.metricsOpen()).isFalse();

    HubConfig open =
        HubSettings.toConfig(
            Settings.resolve(
                "hub",
                HubSettings.ALL,
                null,
                Map.of(
                    "VERGE_HUB_DATA",
                    dir.resolve("hub").toString(),
                    "VERGE_HUB_METRICS_OPEN",
                    "TRUE"),
                Map.of()));
    assertThat(open.metricsOpen()).isTrue();
  }

  @Test
  void agent_reads_its_metrics_token_from_the_file_and_refuses_an_empty_one() throws IOException {
    Path key = dir.resolve("p.pub");
    dev.verge.core.signing.Keys.writePair(dev.verge.core.signing.Keys.generate(), dir, "p");
    Path token = Files.writeString(dir.resolve("metrics.token"), "  s3cret\n");
    Map<String, String> env =
        Map.of(
            "VERGE_AGENT_HUB", "http://127.0.0.1:1",
            "VERGE_AGENT_DATA", dir.resolve("agent").toString(),
            "VERGE_AGENT_TRUST", key.toString(),
            "VERGE_AGENT_METRICS_TOKEN_FILE", token.toString());

    AgentConfig config =
        AgentSettings.toConfig(Settings.resolve("agent", AgentSettings.ALL, null, env, Map.of()));
    assertThat(config.metricsToken()).isEqualTo("s3cret");

    Files.writeString(token, "\n");
    assertThatThrownBy(
            () ->
                AgentSettings.toConfig(
                    Settings.resolve("agent", AgentSettings.ALL, null, env, Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("metrics-token-file")
        .hasMessageContaining("is an empty file");
  }
}
