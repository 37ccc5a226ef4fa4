package dev.verge.cli;

import static dev.verge.cli.Fixtures.givenKeys;
import static dev.verge.cli.Fixtures.givenSignedBundle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.ModelReport;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
 * {@code verge deploy} and {@code verge deployments} against a real hub with real in-process
 * agents, so rollouts really succeed, fail and get superseded.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DeployCommandTest {
  @TempDir Path dir;
  Hub hub;
  HubAdminClient admin;
  Path tokenFile;
  Keys.KeyFiles publisher;
  final OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
  final List<Agent> agents = new ArrayList<>();

  @BeforeEach
  void startHub() {
    hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0));
    admin = new HubAdminClient(hub.url(), hub.adminToken());
    tokenFile = Fixtures.write(dir.resolve("admin.token"), hub.adminToken());
    publisher = givenKeys(dir.resolve("keys"), "p");
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

  /** An enrolled agent at site=north that trusts {@code trusted}. */
  Agent givenAgent(String name, Path trusted) {
    Agent agent =
        Agent.start(
            AgentConfig.defaults(hub.url(), dir.resolve("agents").resolve(name))
                .withPort(0)
                .withEnrollmentToken(admin.createEnrollmentToken(600L, name).token())
                .withDevice(name, Map.of("site", "north"))
                .withTrustedKeys(List.of(trusted))
                .withPollInterval(Duration.ofMillis(100))
                .withForwarding(Duration.ofMillis(500), 100),
            engine);
    agents.add(agent);
    return agent;
  }

  static Long activeVersion(Agent agent) {
    return agent.status().models().stream()
        .filter(m -> m.name().equals("pump"))
        .map(ModelReport::activeVersion)
        .findFirst()
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

  @Test
  void deploy_with_wait_exits_0_and_shows_each_device_active() {
    givenAgent("pump-1", publisher.publicKey());

    Cli.Result result =
        succeeds("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");

    assertThat(result.out())
        .contains("Deployment 1: pump v1 to 1 device(s)")
        .containsPattern("pump-1\\s+ACTIVE\\s+1");
    assertThat(result.err()).contains("rollout 1 [####################] 1/1 active: COMPLETED");
  }

  @Test
  void deploy_with_wait_exits_1_naming_the_device_that_failed_and_why() {
    Keys.KeyFiles stranger = givenKeys(dir.resolve("other"), "stranger");
    givenAgent("pump-1", publisher.publicKey());
    Agent distrustful = givenAgent("pump-2", stranger.publicKey());

    Cli.Result result =
        verge("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .contains("verge: rollout 1 failed on 1 of 2 device(s):\n")
        .contains(
            "  pump-2 ("
                + distrustful.deviceId()
                + "): signature check failed: bundle pump v1 is signed by key "
                + publisher.keyId()
                + ", which is not a trusted publisher key")
        .doesNotContain("pump-1 (");
    assertThat(result.out())
        .containsPattern("pump-1\\s+ACTIVE")
        .containsPattern("pump-2\\s+FAILED");
  }

  @Test
  void deploying_a_lower_version_warns_that_devices_refuse_it_and_names_rollback()
      throws InterruptedException {
    Agent agent = givenAgent("pump-1", publisher.publicKey());
    succeeds("deploy", "--model", "pump", "--version", "2", "--wait", "--timeout", "60s");

    Cli.Result downgrade =
        verge("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");
    Cli.Result rollback =
        verge(
            "deploy",
            "--model",
            "pump",
            "--version",
            "1",
            "--rollback",
            "--wait",
            "--timeout",
            "60s");

    assertThat(downgrade.exit()).as(downgrade.toString()).isEqualTo(1);
    assertThat(downgrade.err())
        .contains(
            "verge: warning: pump-1 ("
                + agent.deviceId()
                + ") runs pump v2, above v1, and refuses to go back outside a rollback: deploy"
                + " again with --rollback")
        .contains("anti-rollback check failed")
        .contains("(deploy again with --rollback to go back on purpose)");
    assertThat(rollback.exit()).as(rollback.toString()).isZero();
    assertThat(rollback.err()).doesNotContain("warning");
    await("the agent serves v1 again", () -> Long.valueOf(1).equals(activeVersion(agent)));
  }

  @Test
  void deployments_shows_superseded_devices_in_the_list_and_in_the_detail() {
    givenAgent("pump-1", publisher.publicKey());
    succeeds("deploy", "--model", "pump", "--version", "1", "--wait", "--timeout", "60s");
    succeeds("deploy", "--model", "pump", "--version", "2", "--wait", "--timeout", "60s");

    Cli.Result list = succeeds("deployments");
    Cli.Result first = succeeds("deployments", "1");

    assertThat(list.out())
        .containsPattern("ACTIVE\\s+IN PROGRESS\\s+FAILED\\s+SUPERSEDED")
        .containsPattern(
            "(?m)^2\\s+pump\\s+2\\s+all\\s+0\\s+COMPLETED\\s+-\\s+1/1\\s+0\\s+0\\s+0\\s+\\S+$")
        .containsPattern(
            "(?m)^1\\s+pump\\s+1\\s+all\\s+0\\s+COMPLETED\\s+-\\s+0/1\\s+0\\s+0\\s+1\\s+\\S+$");
    assertThat(first.out()).containsPattern("pump-1\\s+SUPERSEDED\\s+2");
  }

  @Test
  void a_selector_that_matches_no_device_is_a_warning_and_fails_with_wait() {
    givenAgent("pump-1", publisher.publicKey());

    Cli.Result plain =
        verge("deploy", "--model", "pump", "--version", "1", "--selector", "site=south");
    Cli.Result waited =
        verge("deploy", "--model", "pump", "--version", "1", "--selector", "site=south", "--wait");

    assertThat(plain.exit()).as(plain.toString()).isZero();
    assertThat(plain.out()).isEqualTo("Deployment 1: pump v1 to 0 device(s)\n");
    assertThat(plain.said())
        .isEqualTo(
            "verge: warning: no enrolled device matches the selector site=south (see 'verge"
                + " devices'); devices that match it later get deployment 1\n");
    assertThat(waited.exit()).as(waited.toString()).isEqualTo(1);
    assertThat(waited.said())
        .isEqualTo(
            "verge: no enrolled device matches the selector site=south (see 'verge devices');"
                + " devices that match it later get deployment 2; nothing to wait for\n");
  }
}
