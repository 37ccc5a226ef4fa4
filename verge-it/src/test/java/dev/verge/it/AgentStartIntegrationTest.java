package dev.verge.it;

import static dev.verge.it.Fleet.activeVersion;
import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.InvalidConfigException;
import dev.verge.core.api.DeviceView;
import dev.verge.runtime.TestModels;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How an agent's start meets the real hub: what it takes, what it tells, what it leaves. */
class AgentStartIntegrationTest {
  private static final String MODEL = "pump";

  @TempDir Path root;
  private Fleet fleet;
  private Fleet.Publisher publisher;

  @BeforeEach
  void start() {
    fleet = new Fleet(root);
    publisher = fleet.publisher("publisher", true);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  /** Issue 6: it spent the one-time token and left a device that never reported. */
  @Test
  void an_agent_whose_port_is_taken_fails_before_enrolling_and_keeps_its_token() throws Exception {
    AgentConfig config = fleet.agentConfig("pump-1", Map.of(), publisher.publicKey());
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      AgentConfig onTakenPort = config.withPort(taken.getLocalPort());

      assertThatThrownBy(() -> fleet.start(onTakenPort))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessageContaining("127.0.0.1:" + taken.getLocalPort())
          .hasMessageContaining("--port");
    }

    assertThat(fleet.admin.devices()).isEmpty();
    Agent agent = fleet.start(config);
    assertThat(fleet.admin.devices()).extracting(DeviceView::id).containsExactly(agent.deviceId());
  }

  /** Issue 6: labels were fixed at enrollment and later changes silently ignored. */
  @Test
  void labels_changed_in_the_agents_configuration_reach_the_hub_and_the_desired_state_follows()
      throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(1f), publisher);
    fleet.deploy(MODEL, 1, Map.of("site", "b"));
    AgentConfig config = fleet.agentConfig("pump-1", Map.of("site", "a"), publisher.publicKey());
    Agent first = fleet.start(config);
    String id = first.deviceId();
    first.syncNow();
    assertThat(ownLabels(fleet.admin.device(id).labels())).isEqualTo(Map.of("site", "a"));
    assertThat(activeVersion(first.status(), MODEL)).isNull();
    first.close();

    Agent restarted =
        fleet.start(
            config
                .withEnrollmentToken(null)
                .withDevice("pump-1", Map.of("site", "b", "line", "2")));

    assertThat(restarted.deviceId()).isEqualTo(id);
    await(
        "the hub holds the new labels",
        () -> ownLabels(fleet.admin.device(id).labels()).equals(Map.of("site", "b", "line", "2")));
    await(
        "the agent serves the model deployed to site=b",
        () ->
            restarted.status().models().stream()
                .anyMatch(
                    m -> m.name().equals(MODEL) && Long.valueOf(1).equals(m.activeVersion())));
    assertThat(fleet.admin.devices()).hasSize(1);
    restarted.close();

    Agent withoutLabels =
        fleet.start(config.withEnrollmentToken(null).withDevice("pump-1", Map.of()));
    withoutLabels.syncNow();
    assertThat(ownLabels(fleet.admin.device(id).labels()))
        .isEqualTo(Map.of("site", "b", "line", "2"));
  }

  /** The labels without the reserved ones of the hardware profile the agent reports. */
  private static Map<String, String> ownLabels(Map<String, String> labels) {
    Map<String, String> own = new java.util.TreeMap<>(labels);
    own.keySet().removeIf(k -> k.startsWith("verge.io/"));
    return own;
  }
}
