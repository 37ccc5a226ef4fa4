package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.sync.UpdatePolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateSettingsTest {
  @TempDir Path dir;
  private Map<String, String> env;

  @BeforeEach
  void required() {
    env = AgentEnvironment.required(dir);
  }

  private UpdatePolicy resolve(Map<String, List<String>> flags) {
    return AgentSettings.toConfig(Settings.resolve("agent", AgentSettings.ALL, null, env, flags))
        .updates();
  }

  @Test
  void defaults_guard_every_new_version() {
    assertThat(resolve(Map.of())).isEqualTo(UpdatePolicy.defaults());
  }

  @Test
  void each_setting_comes_from_its_flag_or_variable() {
    env.put("VERGE_AGENT_KEEP_BUNDLES", "4");
    env.put("VERGE_AGENT_HEALTH_MAX_ERROR_RATE", "2%");
    UpdatePolicy policy =
        resolve(
            Map.of(
                "--update-max-runs", List.of("5"),
                "--health-check-requests", List.of("50"),
                "--health-check-window", List.of("0"),
                "--health-max-p95-latency", List.of("250ms")));

    assertThat(policy)
        .isEqualTo(new UpdatePolicy(5, 50, Duration.ZERO, 0.02, Duration.ofMillis(250), 4));
  }

  @Test
  void a_bad_value_is_refused_by_name() {
    assertThatThrownBy(() -> resolve(Map.of("--keep-bundles", List.of("0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("keep-bundles = '0'")
        .hasMessageContaining("1 to 1000");
    assertThatThrownBy(() -> resolve(Map.of("--health-check-window", List.of("soon"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("health-check-window = 'soon'");
  }
}
