package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CapturePolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaptureSettingsTest {
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
  void the_defaults_are_buffered_capture_of_every_output() {
    assertThat(config(null).capture()).isEqualTo(CaptureConfig.defaults());
  }

  @Test
  void a_file_sets_the_defaults_and_per_model_terms_over_them() throws IOException {
    Path yaml =
        Files.writeString(
            dir.resolve("agent.yaml"),
            """
            agent:
              capture-mode: sync
              capture-queue: 100
              capture-when-full: drop
              capture-sample: 50%
              capture-max-record-kb: 8
              capture-models:
                pump: inputs=true sample=10%
                vision: max-record-kb=1024
            """);

    CaptureConfig capture = config(ConfigFile.read(yaml)).capture();

    assertThat(capture.mode()).isEqualTo(CaptureConfig.Mode.SYNC);
    assertThat(capture.queueCapacity()).isEqualTo(100);
    assertThat(capture.whenFull()).isEqualTo(CaptureConfig.WhenFull.DROP);
    assertThat(capture.policy()).isEqualTo(new CapturePolicy(false, 0.5, 8 * 1024));
    assertThat(capture.policy("pump")).isEqualTo(new CapturePolicy(true, 0.1, 8 * 1024));
    assertThat(capture.policy("vision")).isEqualTo(new CapturePolicy(false, 0.5, 1024 * 1024));
    assertThat(capture.policy("other")).isEqualTo(capture.policy());
  }

  @Test
  void the_commit_window_and_batch_are_settings_and_async_still_means_buffered() {
    env.put("VERGE_AGENT_CAPTURE_MODE", "async");
    env.put("VERGE_AGENT_CAPTURE_WINDOW", "25ms");
    env.put("VERGE_AGENT_CAPTURE_BATCH", "64");

    CaptureConfig capture = config(null).capture();

    assertThat(capture.mode()).isEqualTo(CaptureConfig.Mode.BUFFERED);
    assertThat(capture.window()).isEqualTo(java.time.Duration.ofMillis(25));
    assertThat(capture.batch()).isEqualTo(64);
  }

  @Test
  void a_window_over_a_second_is_refused_by_name() {
    env.put("VERGE_AGENT_CAPTURE_WINDOW", "2s");

    assertThatThrownBy(() -> config(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("capture-window")
        .hasMessageContaining("above 1000ms");
  }

  @Test
  void a_bad_model_term_names_the_setting_and_the_model() {
    env.put("VERGE_AGENT_CAPTURE_MODELS", "pump=inputs=maybe");

    assertThatThrownBy(() -> config(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("capture-models")
        .hasMessageContaining("model 'pump'")
        .hasMessageContaining("'inputs=maybe' needs true or false");
  }

  @Test
  void a_sample_outside_zero_to_one_is_refused_by_name() {
    env.put("VERGE_AGENT_CAPTURE_SAMPLE", "150%");

    assertThatThrownBy(() -> config(null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("capture-sample")
        .hasMessageContaining("outside 0-1");
  }
}
