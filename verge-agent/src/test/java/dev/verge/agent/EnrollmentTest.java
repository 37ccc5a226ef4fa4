package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.EnrollRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnrollmentTest extends AgentHarness {

  @Test
  void enrolls_once_and_keeps_the_identity() {
    Agent first = start();
    assertThat(first.deviceId()).isEqualTo(FakeHub.DEVICE_ID);
    first.close();

    Agent second = start(config().withEnrollmentToken(null));

    assertThat(second.deviceId()).isEqualTo(FakeHub.DEVICE_ID);
    assertThat(hub.enrollments).hasSize(1);
    EnrollRequest request = hub.enrollments.getFirst();
    assertThat(request.name()).isEqualTo("edge-1");
    assertThat(request.labels()).isEqualTo(Map.of("site", "plant-a"));
    assertThat(request.agentVersion()).isEqualTo(AgentVersion.CURRENT);
    assertThat(request.platform()).isNotBlank();
  }

  @Test
  void refuses_to_start_unenrolled_without_a_token() {
    assertThatThrownBy(() -> start(config().withEnrollmentToken(null)))
        .isInstanceOf(EnrollmentException.class)
        .hasMessageStartingWith("device is not enrolled: pass --enroll-token");
    assertThat(hub.enrollments).isEmpty();
  }

  @Test
  void a_refused_token_fails_start_with_the_hubs_reason() {
    assertThatThrownBy(() -> start(config().withEnrollmentToken("stolen")))
        .isInstanceOf(EnrollmentException.class)
        .hasMessageContaining("401 enrollment token is unknown or used")
        .hasMessageNotContaining("stolen");
  }

  @Test
  void an_unreachable_hub_at_first_start_fails_clearly() {
    hub.close();

    assertThatThrownBy(this::start)
        .isInstanceOf(EnrollmentException.class)
        .hasMessageStartingWith("cannot enroll this device: cannot enroll: hub ")
        .hasMessageContaining("is unreachable");
  }

  @Test
  void data_folder_and_store_are_owner_only() throws IOException {
    start();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("agent.db"))))
        .isEqualTo("rw-------");
  }
}
