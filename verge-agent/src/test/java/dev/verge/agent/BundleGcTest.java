package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.sync.UpdatePolicy;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.testing.TestClock;
import dev.verge.http.Exposition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Issue 9: old bundles are deleted, never one the device still needs. */
class BundleGcTest extends AgentHarness {
  private static final String ORPHAN = "ab".repeat(32);

  /** Commits each version at its activation, keeping {@code keep} bundles per model. */
  private AgentConfig keeping(int keep) {
    return config()
        .withUpdates(
            UpdatePolicy.defaults().withHealthCheck(1, Duration.ZERO).withKeepBundles(keep));
  }

  private DesiredModel pump(long version) {
    return hub.model("pump", version, bundles.logistic("pump", version), false, version);
  }

  /** The digests of the whole bundle files kept. */
  private List<String> kept() {
    try (Stream<Path> files = Files.list(data.resolve("bundles"))) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".vbundle"))
          .map(n -> n.substring(0, n.length() - ".vbundle".length()))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> digests(DesiredModel... models) {
    return Stream.of(models).map(DesiredModel::bundleDigest).sorted().toList();
  }

  @Test
  void keeps_the_active_and_the_previous_version_and_deletes_the_rest() {
    Agent agent = start(keeping(UpdatePolicy.DEFAULT_KEEP_BUNDLES));
    DesiredModel[] versions = new DesiredModel[5];
    for (int v = 1; v <= 4; v++) {
      versions[v] = pump(v);
      hub.desire(versions[v]);
      agent.syncNow();
    }

    assertThat(kept()).isEqualTo(digests(versions[3], versions[4]));
    assertThat(reported("pump").orElseThrow().installedVersions()).containsExactly(3L, 4L);
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("4");
    Exposition page = Exposition.parse(http(agent).get("/metrics").body());
    assertThat(page.value("verge_agent_bundles_deleted_total")).isEqualTo(2);
  }

  @Test
  void the_previous_version_of_one_on_trial_stays_until_it_is_committed() {
    AgentConfig config =
        config()
            .withUpdates(
                UpdatePolicy.defaults().withHealthCheck(2, Duration.ofHours(1)).withKeepBundles(1));
    Agent agent = start(config);
    Http http = http(agent);
    DesiredModel v1 = pump(1);
    hub.desire(v1);
    agent.syncNow();
    versionAnswering(http, "pump");
    versionAnswering(http, "pump");
    agent.syncNow(); // v1 committed

    DesiredModel v2 = pump(2);
    hub.desire(v2);
    agent.syncNow();
    assertThat(kept()).as("v1 is what v2 would go back to").isEqualTo(digests(v1, v2));

    versionAnswering(http, "pump");
    versionAnswering(http, "pump");
    agent.syncNow(); // v2 committed
    assertThat(kept()).isEqualTo(digests(v2));
  }

  @Test
  void a_version_served_side_by_side_is_kept_whatever_the_count() {
    Agent agent = start(keeping(1));
    DesiredModel beside = hub.model("pump", 1, bundles.logistic("pump", 1), false, 10);
    hub.desire(pump(2));
    agent.syncNow();
    hub.desire(List.of(pump(3)), List.of(beside));
    agent.syncNow();
    DesiredModel v4 = pump(4);
    hub.desire(List.of(v4), List.of(beside));
    agent.syncNow();

    assertThat(kept()).isEqualTo(digests(beside, v4));
    assertThat(
            http(agent)
                .post("/v2/models/pump/versions/1/infer", Http.logisticRequest("b", 1, 1))
                .status())
        .isEqualTo(200);
  }

  @Test
  void a_verified_version_waiting_for_its_window_is_kept_and_orphans_go() throws IOException {
    Path folder = Files.createDirectories(data.resolve("bundles"));
    Files.write(folder.resolve(ORPHAN + ".vbundle"), new byte[] {1, 2, 3});
    Files.write(folder.resolve(ORPHAN.replace('a', 'c') + ".part"), new byte[] {1, 2, 3});
    TestClock clock = new TestClock(Instant.parse("2026-12-01T12:00:00Z"));
    Agent agent = start(keeping(1).withTimeZone(ZoneId.of("UTC")), clock);
    DesiredModel v1 = pump(1);
    hub.desire(v1);
    agent.syncNow();
    DesiredModel v2 = pump(2);
    MaintenanceWindow night = new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null);
    DesiredModel waiting =
        new DesiredModel(
            v2.name(),
            v2.version(),
            v2.bundleDigest(),
            v2.bundleSize(),
            v2.deploymentId(),
            false,
            night);
    hub.desire(waiting);
    agent.syncNow();
    agent.syncNow();

    assertThat(kept()).isEqualTo(digests(v1, v2));
    try (Stream<Path> files = Files.list(folder)) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
    }
  }
}
