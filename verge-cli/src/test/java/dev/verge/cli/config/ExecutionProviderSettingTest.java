package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.runtime.ExecutionProvider;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecutionProviderSettingTest {
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
  void the_execution_provider_is_auto_unless_configured() {
    assertThat(resolve(Map.of()).engineOptions().executionProvider())
        .isEqualTo(ExecutionProvider.AUTO);
  }

  @Test
  void the_execution_provider_comes_from_the_flag_over_the_environment() {
    env.put("VERGE_AGENT_EXECUTION_PROVIDER", "cuda");
    assertThat(resolve(Map.of()).engineOptions().executionProvider())
        .isEqualTo(ExecutionProvider.CUDA);

    AgentConfig config = resolve(Map.of("--execution-provider", List.of("CPU")));
    assertThat(config.engineOptions().executionProvider()).isEqualTo(ExecutionProvider.CPU);
    assertThat(config.engineOptions().intraOpThreads()).isEqualTo(1);
  }

  @Test
  void an_unknown_execution_provider_is_refused_naming_the_allowed_ones() {
    assertThatThrownBy(() -> resolve(Map.of("--execution-provider", List.of("tpu"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("execution-provider = 'tpu'")
        .hasMessageContaining("(flag --execution-provider)")
        .hasMessageContaining("auto, cpu, cuda");
  }
}
