package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.core.signing.Keys;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConcurrentRunsSettingTest {
  @TempDir Path dir;
  private final Map<String, String> env = new HashMap<>();

  @BeforeEach
  void required() {
    Keys.writePair(Keys.generate(), dir, "p");
    env.put("VERGE_AGENT_HUB", "http://127.0.0.1:1");
    env.put("VERGE_AGENT_DATA", dir.resolve("agent").toString());
    env.put("VERGE_AGENT_TRUST", dir.resolve("p.pub").toString());
  }

  private AgentConfig resolve(Map<String, List<String>> flags) {
    return AgentSettings.toConfig(Settings.resolve("agent", AgentSettings.ALL, null, env, flags));
  }

  @Test
  void one_run_a_core_unless_configured() {
    assertThat(resolve(Map.of()).servingLimits().maxConcurrentRuns())
        .isEqualTo(Runtime.getRuntime().availableProcessors());

    env.put("VERGE_AGENT_MAX_CONCURRENT_RUNS", "3");
    assertThat(resolve(Map.of()).servingLimits().maxConcurrentRuns()).isEqualTo(3);
    assertThat(
            resolve(Map.of("--max-concurrent-runs", List.of("1")))
                .servingLimits()
                .maxConcurrentRuns())
        .isEqualTo(1);
  }

  @Test
  void a_run_limit_below_one_is_refused_by_name_with_what_is_allowed() {
    assertThatThrownBy(() -> resolve(Map.of("--max-concurrent-runs", List.of("0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-concurrent-runs = '0'")
        .hasMessageContaining("1 to 10000");
  }
}
