package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.forward.ForwardConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForwardSettingsTest {
  @TempDir Path dir;
  private Map<String, String> env;

  @BeforeEach
  void required() {
    env = AgentEnvironment.required(dir);
  }

  private AgentConfig config(ConfigFile file) {
    return AgentSettings.toConfig(
        Settings.resolve("agent", AgentSettings.ALL, file, env, Map.of()));
  }

  @Test
  void the_defaults_forward_everything_compressed_without_a_cap() {
    assertThat(config(null).forward()).isEqualTo(ForwardConfig.defaults());
    assertThat(ForwardConfig.defaults())
        .isEqualTo(new ForwardConfig(ForwardConfig.Mode.ALL, true, 0));
  }

  @Test
  void a_file_sets_a_metered_uncompressed_capped_link() throws IOException {
    Path yaml =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
            agent:
              forward-mode: metered
              forward-compress: false
              max-upload-rate: 64KiB
            """);

    assertThat(config(ConfigFile.read(yaml)).forward())
        .isEqualTo(new ForwardConfig(ForwardConfig.Mode.METERED, false, 65_536));
  }

  @Test
  void rates_take_decimal_and_binary_units_and_an_optional_per_second() {
    env.put("VERGE_AGENT_MAX_UPLOAD_RATE", "2MB/s");
    assertThat(config(null).forward().maxUploadRate()).isEqualTo(2_000_000);
    env.put("VERGE_AGENT_MAX_UPLOAD_RATE", "256KiB");
    assertThat(config(null).forward().maxUploadRate()).isEqualTo(262_144);
  }

  @Test
  void a_rate_that_is_not_bytes_a_second_is_refused_by_name() {
    env.put("VERGE_AGENT_MAX_UPLOAD_RATE", "fast");

    assertThatThrownBy(() -> config(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-upload-rate")
        .hasMessageContaining("is not a rate such as 256KiB");
  }

  @Test
  void an_unknown_mode_is_refused_by_name() {
    env.put("VERGE_AGENT_FORWARD_MODE", "sometimes");

    assertThatThrownBy(() -> config(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("forward-mode");
  }
}
