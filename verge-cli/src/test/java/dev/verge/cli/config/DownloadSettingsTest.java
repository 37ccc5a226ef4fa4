package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.sync.DownloadLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** download-idle-timeout, max-download-rate and max-model-mb (issue 9, part "bounded"). */
class DownloadSettingsTest {
  @TempDir Path dir;
  private Map<String, String> env;

  @BeforeEach
  void required() {
    env = AgentEnvironment.required(dir);
  }

  private DownloadLimits resolve(Map<String, List<String>> flags) {
    AgentConfig config =
        AgentSettings.toConfig(Settings.resolve("agent", AgentSettings.ALL, null, env, flags));
    return config.downloads();
  }

  @Test
  void the_defaults_are_a_30_s_idle_time_out_no_cap_and_half_the_direct_memory() {
    DownloadLimits limits = resolve(Map.of());

    assertThat(limits.idleTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(limits.maxBytesPerSecond()).isZero();
    assertThat(limits.maxModelBytes() / (1024 * 1024))
        .isEqualTo(DownloadLimits.defaults().maxModelBytes() / (1024 * 1024));
  }

  @ParameterizedTest
  @CsvSource({
    "0, 0",
    "1000, 1000",
    "256KiB, 262144",
    "256kB, 256000",
    "2MB, 2000000",
    "2 MiB, 2097152",
    "1MiB/s, 1048576",
    "1GB, 1000000000"
  })
  void a_download_rate_is_read_in_bytes_a_second(String text, long bytes) {
    assertThat(resolve(Map.of("--max-download-rate", List.of(text))).maxBytesPerSecond())
        .isEqualTo(bytes);
  }

  @Test
  void the_settings_come_from_flags_over_the_environment() {
    env.put("VERGE_AGENT_DOWNLOAD_IDLE_TIMEOUT", "10s");
    env.put("VERGE_AGENT_MAX_MODEL_MB", "300");
    env.put("VERGE_AGENT_MAX_DOWNLOAD_RATE", "1MB");

    DownloadLimits limits = resolve(Map.of("--max-download-rate", List.of("64KiB")));

    assertThat(limits.idleTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(limits.maxModelBytes()).isEqualTo(300L * 1024 * 1024);
    assertThat(limits.maxBytesPerSecond()).isEqualTo(64 * 1024);
  }

  @Test
  void a_bad_rate_is_refused_by_name_with_what_is_allowed() {
    assertThatThrownBy(() -> resolve(Map.of("--max-download-rate", List.of("fast"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-download-rate = 'fast'")
        .hasMessageContaining("is not a rate such as 256KiB, 2MB or 0");
    assertThatThrownBy(() -> resolve(Map.of("--max-download-rate", List.of("5 parsecs"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-download-rate");
    assertThatThrownBy(() -> resolve(Map.of("--max-model-mb", List.of("0"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("max-model-mb = '0'")
        .hasMessageContaining("1 to 1048576");
    assertThatThrownBy(() -> resolve(Map.of("--download-idle-timeout", List.of("0s"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("download-idle-timeout");
  }
}
