package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpcPortSettingTest {
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
  void grpc_is_off_unless_a_port_is_given() {
    assertThat(resolve(Map.of()).grpcPort()).isEqualTo(AgentConfig.GRPC_OFF);
    assertThat(resolve(Map.of("--grpc-port", List.of("OFF"))).grpcPort())
        .isEqualTo(AgentConfig.GRPC_OFF);
  }

  @Test
  void the_grpc_port_comes_from_the_flag_over_the_environment() {
    env.put("VERGE_AGENT_GRPC_PORT", "8001");
    assertThat(resolve(Map.of()).grpcPort()).isEqualTo(8001);

    assertThat(resolve(Map.of("--grpc-port", List.of("0"))).grpcPort()).isZero();
  }

  @Test
  void a_bad_grpc_port_is_refused_by_name_with_what_is_allowed() {
    assertThatThrownBy(() -> resolve(Map.of("--grpc-port", List.of("on"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("grpc-port = 'on'")
        .hasMessageContaining("(flag --grpc-port)")
        .hasMessageContaining("is not a whole number")
        .hasMessageContaining("off, or 0 to 65535");
  }
}
