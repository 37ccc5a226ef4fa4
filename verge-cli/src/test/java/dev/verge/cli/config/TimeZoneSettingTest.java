package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeZoneSettingTest {
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
  void the_time_zone_defaults_to_the_systems() {
    assertThat(resolve(Map.of()).timeZone()).isEqualTo(ZoneId.systemDefault());
  }

  @Test
  void the_time_zone_comes_from_the_flag_over_the_environment() {
    env.put("VERGE_AGENT_TIME_ZONE", "America/Chicago");
    assertThat(resolve(Map.of()).timeZone()).isEqualTo(ZoneId.of("America/Chicago"));

    assertThat(resolve(Map.of("--time-zone", List.of("Asia/Tokyo"))).timeZone())
        .isEqualTo(ZoneId.of("Asia/Tokyo"));
  }

  @Test
  void an_unknown_time_zone_is_refused_by_name() {
    assertThatThrownBy(() -> resolve(Map.of("--time-zone", List.of("Mars/Olympus"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("time-zone = 'Mars/Olympus'")
        .hasMessageContaining("(flag --time-zone)")
        .hasMessageContaining("is not a time zone")
        .hasMessageContaining("Europe/Berlin");
  }
}
