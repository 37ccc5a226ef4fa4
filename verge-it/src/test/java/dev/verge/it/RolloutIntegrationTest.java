package dev.verge.it;

import static dev.verge.it.Fleet.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.api.RolloutState;
import dev.verge.runtime.TestModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rollouts with a real hub and real agents: the engine's waves, gates and rollback driven by what
 * the agents really count while serving real ONNX models.
 */
@SuppressWarnings("try") // Traffic runs for the duration of its block.
class RolloutIntegrationTest {
  private static final String MODEL = "pump";
  private static final Map<String, String> LINE = Map.of("line", "7");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final byte[] ONE_ROW =
      ("{\"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [1, 2],"
              + " \"data\": [2.5, 3.0]}]}")
          .getBytes(StandardCharsets.UTF_8);

  @TempDir Path root;
  private Fleet fleet;
  private Fleet.Publisher publisher;
  private final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void start() {
    fleet = new Fleet(root);
    publisher = fleet.publisher("publisher", true);
  }

  @AfterEach
  void stop() {
    fleet.close();
  }

  @Test
  void a_canary_that_errs_is_rolled_back_and_no_device_outside_it_ever_receives_it()
      throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(), publisher);
    fleet.publish(MODEL, 2, TestModels.failsOnLargeInputs(), publisher);
    startAgents(4);
    deployToAll(1);

    Map<String, Set<Long>> seen = new ConcurrentHashMap<>();
    DeploymentView end;
    try (Traffic traffic = new Traffic(agents, seen)) {
      DeploymentView created =
          fleet.admin.deploy(
              new DeploymentRequest(
                  MODEL,
                  2,
                  "line=7",
                  false,
                  0,
                  plan("1", List.of("50%", "100%"), "error_rate<10%"),
                  null,
                  null));
      assertThat(created.waves()).hasSize(3);
      assertThat(created.waves().getFirst().devices()).isEqualTo(1);
      end = awaitEnd(created.id());
      await(
          "every agent serves v1 again",
          () -> agents.stream().allMatch(a -> Long.valueOf(1).equals(active(a))));
    }

    assertThat(end.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    assertThat(end.reason()).contains("error_rate");
    assertThat(end.transitions())
        .extracting(DeploymentView.Transition::to)
        .contains(RolloutPhase.CANARY, RolloutPhase.ROLLING_BACK, RolloutPhase.ROLLED_BACK);
    DeviceRollout canary =
        end.devices().stream().filter(d -> d.wave() == 0).findFirst().orElseThrow();
    assertThat(canary.state()).isEqualTo(RolloutState.ROLLED_BACK);
    for (Agent agent : agents) {
      String id = agent.status().deviceId();
      boolean inCanary = id.equals(canary.deviceId());
      List<Long> installed = report(agent).installedVersions();
      assertThat(installed.contains(2L))
          .as("%s (canary: %s) installed %s", id, inCanary, installed)
          .isEqualTo(inCanary);
      if (!inCanary) {
        assertThat(seen.getOrDefault(id, Set.of()))
            .as("versions %s answered from", id)
            .containsOnly(1L);
      }
    }
  }

  /**
   * Issue 9: with its own health check (the default), the canary device goes back from a version
   * that fails its requests by itself, without waiting for the hub, and the hub sees it failed,
   * with why, and rolls the deployment back.
   */
  @Test
  void a_canary_that_errs_goes_back_by_itself_and_the_hub_sees_why() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(), publisher);
    fleet.publish(MODEL, 2, TestModels.failsOnLargeInputs(), publisher);
    for (int i = 0; i < 4; i++) {
      agents.add(fleet.agent("agent-" + i, LINE, publisher.publicKey()));
    }
    deployToAll(1);

    DeploymentView end;
    try (Traffic traffic = new Traffic(agents, new ConcurrentHashMap<>())) {
      DeploymentView created =
          fleet.admin.deploy(
              new DeploymentRequest(
                  MODEL,
                  2,
                  "line=7",
                  false,
                  0,
                  plan("1", List.of("50%", "100%"), "error_rate<10%"),
                  null,
                  null));
      end = awaitEnd(created.id());
      await(
          "every agent serves v1 again",
          () -> agents.stream().allMatch(a -> Long.valueOf(1).equals(active(a))));
    }

    assertThat(end.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    DeviceRollout canary =
        end.devices().stream().filter(d -> d.wave() == 0).findFirst().orElseThrow();
    for (Agent agent : agents) {
      HttpResponse<String> metrics =
          HTTP.send(
              HttpRequest.newBuilder(agent.inferenceUrl().resolve("/metrics"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      boolean wentBack =
          metrics
              .body()
              .lines()
              .anyMatch(l -> l.startsWith("verge_agent_rollbacks_total{reason=\"health\"} 1"));
      assertThat(wentBack)
          .as("%s went back from v2 by itself", agent.status().deviceId())
          .isEqualTo(agent.status().deviceId().equals(canary.deviceId()));
    }
  }

  @Test
  void a_healthy_version_reaches_every_device_wave_by_wave() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(), publisher);
    fleet.publish(MODEL, 2, TestModels.logistic(2f), publisher);
    startAgents(4);
    deployToAll(1);

    DeploymentView end;
    try (Traffic traffic = new Traffic(agents, new ConcurrentHashMap<>())) {
      DeploymentView created =
          fleet.admin.deploy(
              new DeploymentRequest(
                  MODEL,
                  2,
                  "line=7",
                  false,
                  0,
                  plan("1", List.of("50%", "100%"), "error_rate<1%,install_success>=100%"),
                  null,
                  null));
      end = awaitEnd(created.id());
    }

    assertThat(end.state()).as(end.reason()).isEqualTo(RolloutPhase.COMPLETED);
    assertThat(end.waves()).extracting(DeploymentView.WaveView::devices).containsExactly(1, 1, 2);
    assertThat(end.waves())
        .allSatisfy(w -> assertThat(w.phase()).isEqualTo(DeploymentView.WavePhase.PASSED));
    assertThat(end.counts().active()).isEqualTo(4);
    // Each wave started only after the one before it had passed.
    for (int i = 1; i < end.waves().size(); i++) {
      assertThat(end.waves().get(i).startedAt())
          .isAfterOrEqualTo(end.waves().get(i - 1).soakUntil());
    }
    assertThat(agents).allSatisfy(a -> assertThat(active(a)).isEqualTo(2L));
  }

  @Test
  void a_maintenance_window_holds_activation_until_it_opens() throws Exception {
    fleet.publish(MODEL, 1, TestModels.logistic(), publisher);
    fleet.publish(MODEL, 2, TestModels.logistic(2f), publisher);
    startAgents(1);
    Agent agent = agents.getFirst();
    deployToAll(1);

    // Hours that exclude now: the agent fetches and verifies v2, and waits.
    LocalTime now = LocalTime.now(ZoneOffset.UTC);
    MaintenanceWindow later = new MaintenanceWindow(now.plusHours(2), now.plusHours(3), null);
    DeploymentView held =
        fleet.admin.deploy(new DeploymentRequest(MODEL, 2, "line=7", false, 0, null, later, null));
    await(
        "the agent holds v2 for its window",
        () ->
            report(agent).pending() != null
                && report(agent).pending().phase() == PendingTarget.Phase.WAITING_FOR_WINDOW);
    await(
        "the hub shows the device waiting for its window",
        () ->
            fleet.admin.deployment(held.id()).devices().getFirst().state()
                == RolloutState.WAITING_FOR_WINDOW);
    assertThat(active(agent)).isEqualTo(1L);

    // A window that opens when the model has been idle for a second: busy, it waits; idle, it
    // switches.
    MaintenanceWindow whenIdle = new MaintenanceWindow(null, null, 1);
    DeploymentView idle;
    try (Traffic traffic = new Traffic(agents, new ConcurrentHashMap<>())) {
      idle =
          fleet.admin.deploy(
              new DeploymentRequest(MODEL, 2, "line=7", false, 1, null, whenIdle, null));
      Thread.sleep(1500); // Long enough for an idle window to have opened, were the model idle.
      assertThat(active(agent)).as("busy model switched").isEqualTo(1L);
    }
    await(
        "the idle agent switches to v2",
        () -> fleet.admin.deployment(idle.id()).counts().active() == 1);
    assertThat(active(agent)).isEqualTo(2L);
  }

  private static RolloutPlan plan(String canary, List<String> waves, String gates) {
    return new RolloutPlan(
        canary,
        waves,
        Duration.ZERO,
        Gate.parseList(gates),
        RolloutPlan.OnFail.ROLLBACK,
        1,
        10L,
        Duration.ofMinutes(1));
  }

  /**
   * Agents whose own health check never fails on errors, so that the hub's gates decide: with the
   * default one (at most 5 % errors), a device goes back from a version that fails every request by
   * itself, before any gate reads it (see {@code SafeUpdateTest} in verge-agent).
   */
  private void startAgents(int count) {
    for (int i = 0; i < count; i++) {
      AgentConfig config = fleet.agentConfig("agent-" + i, LINE, publisher.publicKey());
      agents.add(
          fleet.start(
              config.withUpdates(config.updates().withLimits(1.0, java.time.Duration.ZERO))));
    }
  }

  private void deployToAll(long version) throws InterruptedException {
    DeploymentView d = fleet.deploy(MODEL, version, LINE);
    assertThat(d.counts().targeted()).isEqualTo(agents.size());
    await(
        "every agent serves v" + version,
        () -> fleet.admin.deployment(d.id()).counts().active() == agents.size());
  }

  private DeploymentView awaitEnd(long id) throws InterruptedException {
    DeploymentView[] last = new DeploymentView[1];
    await(
        "rollout " + id + " ends",
        () -> {
          last[0] = fleet.admin.deployment(id);
          return last[0].state().terminal();
        });
    return last[0];
  }

  private static ModelReport report(Agent agent) {
    return agent.status().models().stream()
        .filter(m -> m.name().equals(MODEL))
        .findFirst()
        .orElseThrow();
  }

  private static Long active(Agent agent) {
    return Fleet.activeVersion(agent.status(), MODEL);
  }

  /**
   * One-row requests to every agent, about 100 a second each; records which versions answered.
   * {@link TestModels#failsOnLargeInputs()} fails every one of them inside ONNX Runtime.
   */
  private static final class Traffic implements AutoCloseable {
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final List<Thread> threads = new ArrayList<>();

    Traffic(List<Agent> agents, Map<String, Set<Long>> seen) {
      for (Agent agent : agents) {
        URI url = agent.inferenceUrl().resolve("/v2/models/" + MODEL + "/infer");
        String id = agent.status().deviceId();
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (!stopped.get()) {
                        try {
                          HttpResponse<String> answer =
                              HTTP.send(
                                  HttpRequest.newBuilder(url)
                                      .timeout(Duration.ofSeconds(10))
                                      .header("Content-Type", "application/json")
                                      .POST(HttpRequest.BodyPublishers.ofByteArray(ONE_ROW))
                                      .build(),
                                  HttpResponse.BodyHandlers.ofString());
                          String version =
                              answer.statusCode() == 200
                                  ? dev.verge.core.json.Json.tree(answer.body().getBytes())
                                      .path("model_version")
                                      .asText()
                                  : null;
                          if (version != null && !version.isEmpty()) {
                            seen.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet())
                                .add(Long.parseLong(version));
                          }
                          Thread.sleep(10);
                        } catch (InterruptedException e) {
                          return;
                        } catch (Exception e) {
                          // Between versions or stopping: keep offering traffic.
                        }
                      }
                    }));
      }
    }

    @Override
    public void close() {
      stopped.set(true);
      for (Thread t : threads) {
        try {
          t.join(Duration.ofSeconds(15));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }
}
