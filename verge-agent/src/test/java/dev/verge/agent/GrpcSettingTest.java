package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The gRPC port setting: validated, off by default, and refused clearly without its module. */
class GrpcSettingTest extends AgentHarness {
  @Test
  void grpc_is_off_by_default() {
    assertThat(config().grpcPort()).isEqualTo(AgentConfig.GRPC_OFF);
    assertThat(config().toString()).contains("grpcPort=off");
  }

  @Test
  void refuses_a_grpc_port_out_of_range_or_equal_to_the_http_port() {
    assertThatThrownBy(() -> config().withGrpcPort(70_000).validate())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("gRPC port 70000 is outside 0-65535 (0 picks a free port; off for none)");
    assertThatThrownBy(() -> config().withPort(8001).withGrpcPort(8001).validate())
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("gRPC port 8001 is also the HTTP port: choose another one");
    assertThat(config().withGrpcPort(0).validate().grpcPort()).isZero();
  }

  @Test
  void a_grpc_port_without_the_grpc_module_stops_the_start_by_name_before_enrolling() {
    // verge-agent's own tests do not have verge-grpc on their class path.
    assertThatThrownBy(() -> start(config().withGrpcPort(0)))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("the verge-grpc module is not on the class path");
    assertThat(hub.enrollments).isEmpty();
  }

  @Test
  void an_agent_without_grpc_reports_no_grpc_port() {
    Agent agent = start();

    assertThat(agent.grpcPort()).isEmpty();
  }
}
