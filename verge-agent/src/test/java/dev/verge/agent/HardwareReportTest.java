package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.HardwareProfile;
import org.junit.jupiter.api.Test;

/** The hardware profile the agent reports for the hub's inventory. */
class HardwareReportTest extends AgentHarness {
  @Test
  void every_report_carries_what_the_device_is() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1), false, 1));
    Agent agent = start(config());

    agent.syncNow();

    HardwareProfile profile = hub.lastReport().hardware();
    assertThat(profile).isNotNull();
    assertThat(profile.arch()).isEqualTo(HardwareProbe.arch(System.getProperty("os.arch")));
    assertThat(profile.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(profile.memoryBytes()).isPositive();
    assertThat(profile.diskBytes()).isPositive();
    assertThat(profile.osName()).isEqualTo(System.getProperty("os.name"));
    assertThat(profile.osVersion()).isEqualTo(System.getProperty("os.version"));
    assertThat(profile.agentVersion()).isEqualTo(AgentVersion.CURRENT);
    assertThat(profile.accelerators())
        .as("the engine these tests run on uses the CPU")
        .isEqualTo(Engines.ONNX.accelerators());
  }

  @Test
  void the_architecture_is_named_as_selectors_write_it() {
    assertThat(HardwareProbe.arch("x86_64")).isEqualTo("amd64");
    assertThat(HardwareProbe.arch("amd64")).isEqualTo("amd64");
    assertThat(HardwareProbe.arch("aarch64")).isEqualTo("arm64");
    assertThat(HardwareProbe.arch("armv7l")).isEqualTo("arm");
    assertThat(HardwareProbe.arch("s390x")).isEqualTo("s390x");
    assertThat(HardwareProbe.arch(null)).isNull();
  }
}
