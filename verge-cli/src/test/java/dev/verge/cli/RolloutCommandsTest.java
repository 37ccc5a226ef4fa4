package dev.verge.cli;

import static dev.verge.cli.Fixtures.givenKeys;
import static dev.verge.cli.Fixtures.givenSignedBundle;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verge deploy} with a rollout plan, {@code verge rollout ...} and {@code verge devices
 * label|explain} against a real hub, whose rollout engine advances the rollouts, and real
 * in-process agents.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RolloutCommandsTest {
  @TempDir Path dir;
  Hub hub;
  HubAdminClient admin;
  Path tokenFile;
  Keys.KeyFiles publisher;
  Keys.KeyFiles stranger;
  final OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
  final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    admin = new HubAdminClient(hub.url(), hub.adminToken());
    tokenFile = Fixtures.write(dir.resolve("admin.token"), hub.adminToken());
    publisher = givenKeys(dir.resolve("keys"), "p");
    stranger = givenKeys(dir.resolve("other"), "stranger");
    succeeds("keys", "trust", publisher.publicKey().toString());
    succeeds(
        "model", "push", givenSignedBundle(dir.resolve("b1"), "pump", 1, publisher).toString());
    succeeds(
        "model", "push", givenSignedBundle(dir.resolve("b2"), "pump", 2, publisher).toString());
  }

  @AfterEach
  void stop() {
    agents.forEach(Agent::close);
    hub.close();
    engine.close();
  }

  Cli.Result verge(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--hub", hub.url().toString(), "--token-file", tokenFile.toString()));
    return Cli.run(all.toArray(String[]::new));
  }

  Cli.Result succeeds(String... args) {
    Cli.Result result = verge(args);
    assertThat(result.exit()).as(result.toString()).isZero();
    return result;
  }

  Cli.Result fails(String... args) {
    Cli.Result result = verge(args);
    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    return result;
  }

  /** An enrolled agent with {@code labels} that trusts {@code trusted}, polling fast. */
  Agent givenAgent(String name, Keys.KeyFiles trusted, Map<String, String> labels) {
    return givenAgent(name, trusted, labels, ZoneOffset.UTC);
  }

  Agent givenAgent(String name, Keys.KeyFiles trusted, Map<String, String> labels, ZoneId zone) {
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("agents").resolve(name))
                .withTimeZone(zone)
                .withPort(0)
                .withEnrollmentToken(admin.createEnrollmentToken(600L, name).token())
                .withDevice(name, labels)
                .withTrustedKeys(List.of(trusted.publicKey()))
                .withPollInterval(Duration.ofMillis(100))
                .withForwarding(Duration.ofMillis(500), 100),
            engine);
    agents.add(agent);
    return agent;
  }

  static Long activeVersion(Agent agent) {
    return agent.status().models().stream()
        .filter(m -> m.name().equals("pump"))
        .findFirst()
        .map(ModelReport::activeVersion)
        .orElse(null);
  }

  static void await(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(60);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  void awaitState(long id, RolloutPhase state) throws InterruptedException {
    await("rollout " + id + " is " + state, () -> admin.deployment(id).state() == state);
  }

  @Test
  void a_healthy_rollout_goes_through_canary_and_wave_and_wait_exits_0() {
    givenAgent("pump-1", publisher, Map.of("site", "north"));
    givenAgent("pump-2", publisher, Map.of("site", "north"));
    givenAgent("pump-3", publisher, Map.of("site", "north"));

    Cli.Result result =
        succeeds(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--selector",
            "site in (north,south)",
            "--canary",
            "1",
            "--waves",
            "100%",
            "--soak",
            "0s",
            "--gate",
            "install_success>=100%",
            "--wait",
            "--timeout",
            "90s");

    assertThat(result.out())
        .startsWith(
            "Deployment 1: pump v1 to 3 device(s), canary 1, waves 100%, soak 0s, gates"
                + " install_success>=100%, on fail rollback")
        .contains("Rollout 1: pump v1 to site in (north,south)\n")
        .contains("State:     COMPLETED")
        .containsPattern("canary\\s+1\\s+1\\s+\\[#{20}] 1/1 active\\s+PASSED\\s+install_success")
        .containsPattern("wave 1\\s+100%\\s+2\\s+\\[#{20}] 2/2 active\\s+PASSED");
    assertThat(result.err())
        .contains("rollout 1 canary (1) [")
        .contains(
            "rollout 1 wave 1 (100%) [####################] 2/2 active: PASSED, rollout"
                + " COMPLETED");
    JsonNode json = succeeds("rollout", "show", "1", "-o", "json").json();
    assertThat(json.path("state").asText()).isEqualTo("COMPLETED");
    assertThat(json.path("waves")).hasSize(2);
    assertThat(json.path("transitions").size()).isGreaterThanOrEqualTo(3);
    assertThat(json.path("devices")).hasSize(3);
  }

  @Test
  void a_canary_that_fails_its_gate_is_rolled_back_and_wait_exits_1_naming_gate_and_device()
      throws InterruptedException {
    Agent one = givenAgent("pump-1", stranger, Map.of("site", "north"));
    Agent two = givenAgent("pump-2", stranger, Map.of("site", "north"));

    Cli.Result result =
        fails(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--canary",
            "1",
            "--waves",
            "100%",
            "--soak",
            "0s",
            "--gate",
            "install_success>=99%",
            "--wait",
            "--timeout",
            "90s");

    assertThat(result.said()).startsWith("verge: rollout 1 rolled back: gate install_success>=99%");
    assertThat(result.err())
        .as(result.toString())
        .contains("\n  canary: install_success 0% (>=99%) FAILED over 1 device(s), 0 request(s)")
        .contains("rollout 1 canary (1) [")
        .contains(": FAILED, rollout ROLLED_BACK");
    assertThat(result.out())
        .contains("State:     ROLLED_BACK (canary of 2): gate install_success>=99% failed")
        .containsPattern("SOAKING\\s+ROLLING_BACK\\s+canary\\s+gate install_success>=99% failed")
        .containsPattern("pump-\\d\\s+canary\\s+(FAILED|ROLLED_BACK)\\s+")
        .containsPattern("pump-\\d\\s+wave 1\\s+PENDING");
    DeploymentView view = admin.deployment(1);
    assertThat(view.state()).isEqualTo(RolloutPhase.ROLLED_BACK);
    // The hub keeps the canary FAILED when the agent's failure is still in its last report
    // (depending on when the agent hears that the rollout ended); then --wait names it.
    if (view.devices().stream().anyMatch(d -> d.state() == RolloutState.FAILED)) {
      assertThat(result.err())
          .contains("\nrollout 1 failed on 1 of 2 device(s):\n  pump-")
          .contains("signature check failed");
    }
    assertThat(view.waves().get(1).startedAt())
        .as("the wave after the canary never started")
        .isNull();
    assertThat(activeVersion(one)).isNull();
    assertThat(activeVersion(two)).isNull();
  }

  @Test
  void a_gate_that_pauses_makes_wait_exit_1_saying_how_to_go_on() {
    givenAgent("pump-1", stranger, Map.of("site", "north"));
    givenAgent("pump-2", stranger, Map.of("site", "north"));

    Cli.Result result =
        fails(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--canary",
            "50%",
            "--soak",
            "0s",
            "--gate",
            "install_success>=99%",
            "--on-fail",
            "pause",
            "--wait",
            "--timeout",
            "90s");

    assertThat(result.said()).startsWith("verge: rollout 1 is paused: gate install_success>=99%");
    assertThat(result.err())
        .as(result.toString())
        .contains("\n  canary: install_success 0% (>=99%) FAILED over 1 device(s)")
        .contains(
            "\n  resume it with 'verge rollout resume 1', or roll it back with 'verge rollout"
                + " rollback 1'")
        .contains("rollout 1 failed on 1 of 2 device(s):\n  pump-")
        .contains("signature check failed");
    assertThat(admin.deployment(1).state()).isEqualTo(RolloutPhase.PAUSED);
  }

  @Test
  void a_window_defers_activation_and_wait_says_which_devices_are_not_running_it_yet()
      throws InterruptedException {
    Agent agent = givenAgent("pump-1", publisher, Map.of("site", "north"));
    // Hours that start two hours from now in the device's zone (UTC), so it is never inside them.
    LocalTime start = LocalTime.now(ZoneOffset.UTC).plusHours(2);
    DateTimeFormatter hhmm = DateTimeFormatter.ofPattern("HH:mm");
    String window = start.format(hhmm) + "-" + start.plusHours(1).format(hhmm);

    Cli.Result result =
        fails(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--window",
            window,
            "--wait",
            "--timeout",
            "2s");
    await(
        "the device waits for its window",
        () -> admin.deployment(1).devices().getFirst().state() == RolloutState.WAITING_FOR_WINDOW);
    Cli.Result show = succeeds("rollout", "show", "1");

    assertThat(result.out()).startsWith("Deployment 1: pump v1 to 1 device(s)\n");
    assertThat(result.said())
        .startsWith("verge: rollout 1 is not done after 2s: ")
        .contains("; devices: 0/1 active, 1 waiting for window;")
        .endsWith("it goes on in the hub: follow it with 'verge rollout show 1'\n");
    assertThat(show.out())
        .contains("Window:    " + window + " device-local time\n")
        .containsPattern("pump-1\\s+WAITING_FOR_WINDOW\\s+-\\s+\\S*.*" + window);
    assertThat(activeVersion(agent)).isNull();
  }

  @Test
  void an_operator_pauses_resumes_and_aborts_a_rollout_and_show_lists_each_transition()
      throws InterruptedException {
    givenAgent("pump-1", publisher, Map.of("site", "north"));
    givenAgent("pump-2", publisher, Map.of("site", "north"));
    succeeds(
        "deploy",
        "--model",
        "pump",
        "--version",
        "1",
        "--canary",
        "1",
        "--waves",
        "100%",
        "--soak",
        "1h");
    awaitState(1, RolloutPhase.SOAKING);

    Cli.Result paused = succeeds("rollout", "pause", "1", "--reason", "line 3 is down");
    Cli.Result waited =
        fails(
            "deploy",
            "--model",
            "pump",
            "--version",
            "2",
            "--canary",
            "1",
            "--waves",
            "100%",
            "--soak",
            "1h",
            "--on-fail",
            "pause",
            "--gate",
            "error_rate<1%",
            "--timeout",
            "1s",
            "--wait");
    Cli.Result resumed = succeeds("rollout", "resume", "1");
    Cli.Result aborted = succeeds("rollout", "abort", "1", "--reason", "enough");
    Cli.Result show = succeeds("rollout", "show", "1");
    Cli.Result list = succeeds("rollout", "list");

    assertThat(paused.out()).startsWith("Rollout 1 is now PAUSED").contains("line 3 is down");
    assertThat(waited.said())
        .startsWith("verge: rollout 2 is not done after 1s: ")
        .contains("verge rollout show 2");
    assertThat(resumed.out()).startsWith("Rollout 1 is now SOAKING");
    assertThat(aborted.out()).startsWith("Rollout 1 is now ABORTED").contains("enough");
    assertThat(show.out())
        .containsPattern("SOAKING\\s+PAUSED\\s+canary\\s+.*line 3 is down")
        .containsPattern("PAUSED\\s+SOAKING\\s+canary")
        .containsPattern("SOAKING\\s+ABORTED\\s+canary\\s+.*enough");
    assertThat(list.out())
        .containsPattern("(?m)^1\\s+pump\\s+1\\s+all\\s+0\\s+ABORTED\\s+canary of 2");
  }

  @Test
  void rolling_back_by_hand_sends_the_updated_devices_to_the_version_they_ran()
      throws InterruptedException {
    Agent agent = givenAgent("pump-1", publisher, Map.of("site", "north"));
    succeeds("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");
    succeeds("deploy", "--model", "pump", "--version", "2", "--wait", "--timeout", "60s");

    Cli.Result rolledBack = succeeds("rollout", "rollback", "2", "--reason", "customers complain");

    assertThat(rolledBack.out()).startsWith("Rollout 2 is now ROLL");
    await("the agent serves v1 again", () -> Long.valueOf(1).equals(activeVersion(agent)));
    awaitState(2, RolloutPhase.ROLLED_BACK);
    assertThat(succeeds("rollout", "show", "2").out()).contains("customers complain");
  }

  @Test
  void an_unknown_rollout_exits_1_with_404() {
    assertThat(fails("rollout", "pause", "42").err()).startsWith("verge: hub answered 404");
    assertThat(fails("rollout", "show", "42").err()).startsWith("verge: hub answered 404");
  }

  @Test
  void labels_set_by_the_operator_pick_devices_and_win_over_reported_ones()
      throws InterruptedException {
    Agent one = givenAgent("pump-1", publisher, Map.of("site", "north", "line", "3"));
    givenAgent("pump-2", publisher, Map.of("site", "north"));

    Cli.Result labelled = succeeds("devices", "label", "pump-1", "site=plant-7", "line-");
    Cli.Result deployed =
        succeeds(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--selector",
            "site=plant-7,!line",
            "--wait",
            "--timeout",
            "60s");
    Cli.Result none =
        verge(
            "deploy",
            "--model",
            "pump",
            "--version",
            "2",
            "--selector",
            "site notin (north,plant-7)");

    // The agent's hardware profile is there too, as the reserved verge.io/ labels.
    assertThat(labelled.out())
        .startsWith("Labels of pump-1 (" + one.deviceId() + "): {site=plant-7, verge.io/")
        .contains("verge.io/arch=")
        .doesNotContain("site=north");
    assertThat(deployed.out()).startsWith("Deployment 1: pump v1 to 1 device(s)");
    assertThat(none.exit()).as(none.toString()).isZero();
    assertThat(none.said())
        .isEqualTo(
            "verge: warning: no enrolled device matches the selector site notin (north,plant-7)"
                + " (see 'verge devices'); devices that match it later get deployment 2\n");
    assertThat(fails("devices", "label", "pump-9", "a=b").said())
        .isEqualTo("verge: no device has the id or name 'pump-9' (see 'verge devices')\n");
  }

  @Test
  void explain_shows_the_deployment_that_won_and_the_one_it_overrode() {
    Agent agent = givenAgent("pump-1", publisher, Map.of("site", "north"));
    succeeds("deploy", "--model", "pump", "--version", "2", "--wait", "--timeout", "60s");
    succeeds(
        "deploy",
        "--model",
        "pump",
        "--version",
        "1",
        "--rollback",
        "--selector",
        "site=north",
        "--priority",
        "10",
        "--wait",
        "--timeout",
        "60s");

    Cli.Result explained = succeeds("devices", "explain", agent.deviceId());
    JsonNode json = succeeds("devices", "explain", "pump-1", "-o", "json").json();

    assertThat(explained.out())
        .startsWith("Device pump-1 (" + agent.deviceId() + "), labels {site=north, verge.io/")
        .containsPattern("(?m)^pump\\s+wins\\s+2\\s+1 \\(rollback\\)\\s+10\\s+\\S+\\s+site=north")
        .containsPattern("(?m)^\\s+overridden\\s+1\\s+2\\s+0\\s+\\S+\\s+all");
    assertThat(json.path("models").get(0).path("winner").path("deploymentId").asLong())
        .isEqualTo(2);
  }
}
