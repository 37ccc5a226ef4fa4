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

class GrpcPortSettingTest {
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
