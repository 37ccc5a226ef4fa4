package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.push.PushMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** push: whether the agent hears desired-state changes over the hub's MQTT broker. */
class PushSettingTest {
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
  void push_is_auto_by_default() {
    assertThat(resolve(Map.of()).push()).isEqualTo(PushMode.AUTO);
  }

  @Test
  void push_off_from_the_environment_or_a_flag() {
    env.put("VERGE_AGENT_PUSH", "off");
    assertThat(resolve(Map.of()).push()).isEqualTo(PushMode.OFF);

    env.remove("VERGE_AGENT_PUSH");
    assertThat(resolve(Map.of("--push", List.of("off"))).push()).isEqualTo(PushMode.OFF);
  }

  @Test
  void another_value_is_refused_by_name() {
    assertThatThrownBy(() -> resolve(Map.of("--push", List.of("sometimes"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push = 'sometimes'");
  }
}
