package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.DeviceExplanation.Candidate;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LocalChange;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.SideBySideVersion;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@code verge devices} and {@code devices explain} show versions beside the default. */
class DevicesOutputTest {

  @Test
  void devices_show_versions_beside_and_local_changes() {
    ModelReport report =
        new ModelReport(
            "pump",
            5L,
            List.of(1L, 5L),
            null,
            null,
            null,
            null,
            null,
            List.of(
                new SideBySideVersion(1, 7, SideBySideVersion.State.SERVING, null),
                new SideBySideVersion(2, 8, SideBySideVersion.State.FAILED, "bad")),
            List.of(new LocalChange(LocalChange.Action.LOADED, 3L, Instant.EPOCH)));
    ModelReport unloaded =
        new ModelReport(
            "fan",
            null,
            List.of(4L),
            null,
            null,
            null,
            null,
            null,
            List.of(),
            List.of(new LocalChange(LocalChange.Action.UNLOADED, null, Instant.EPOCH)));

    assertThat(DevicesCommand.model(report))
        .isEqualTo("pump v5 +v1 beside [v2 beside failed] [local: v3 loaded]");
    assertThat(DevicesCommand.model(unloaded)).isEqualTo("fan (none) [local: unloaded]");
  }

  @Test
  void explain_lists_the_deployments_serving_a_version_beside_the_winner() {
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    DeviceExplanation explanation =
        new DeviceExplanation(
            "dev-1",
            List.of(
                new DeviceExplanation.ModelChoice(
                    "pump",
                    new Candidate(3, 5, 0, "site=lab", t, RolloutPhase.COMPLETED, false),
                    List.of(),
                    List.of(new Candidate(4, 1, 0, "", t, RolloutPhase.COMPLETED, false)))));
    DeviceView device = new DeviceView("dev-1", "edge", Map.of(), t, t, null, 0, true);

    String text = DevicesCommand.Explain.render(device, explanation);

    assertThat(text).containsPattern("pump +wins +3 +5 ");
    assertThat(text).containsPattern("\\n +beside +4 +1 ");
  }
}
