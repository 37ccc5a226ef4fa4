package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.pipeline.PipelinesConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** sleep-between-cycles and link-timeout (issue 9, part "idle"). */
class SleepSettingsTest {
  @TempDir Path dir;
  private Map<String, String> env;

  @BeforeEach
  void required() {
    env = AgentEnvironment.required(dir);
  }

  private AgentConfig resolve(Map<String, List<String>> flags) {
    return AgentSettings.toConfig(Settings.resolve("agent", AgentSettings.ALL, null, env, flags));
  }

  @Test
  void by_default_the_loops_run_on_their_timers_and_onnx_runtime_may_spin() {
    AgentConfig config = resolve(Map.of());

    assertThat(config.pipelines().sleepBetweenCycles()).isFalse();
    assertThat(config.pipelines().linkTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.engineOptions().spinning()).isTrue();
  }

  @Test
  void asleep_from_the_environment_with_a_link_timeout_from_a_flag_and_no_spinning() {
    env.put("VERGE_AGENT_SLEEP_BETWEEN_CYCLES", "true");

    AgentConfig config = resolve(Map.of("--link-timeout", List.of("2m")));

    assertThat(config.pipelines().sleepBetweenCycles()).isTrue();
    assertThat(config.pipelines().linkTimeout()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.engineOptions().spinning()).isFalse();
    // The pipelines, which come from the file, keep the setting.
    assertThat(config.withPipelines(List.of()).pipelines().sleepBetweenCycles()).isTrue();
  }

  @Test
  void a_link_timeout_out_of_range_or_not_a_duration_is_refused_by_name() {
    assertThatThrownBy(() -> resolve(Map.of("--link-timeout", List.of("500ms"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("link-timeout = '500ms'")
        .hasMessageContaining("is out of range");
    assertThatThrownBy(() -> resolve(Map.of("--link-timeout", List.of("soon"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("link-timeout = 'soon'")
        .hasMessageContaining("is not a duration");
    assertThat(PipelinesConfig.MAX_LINK_TIMEOUT).isEqualTo(Duration.ofHours(1));
  }
}
