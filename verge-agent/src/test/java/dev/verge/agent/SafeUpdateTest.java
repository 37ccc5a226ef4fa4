package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.store.InstallEntry;
import dev.verge.agent.store.InstallStep;
import dev.verge.agent.store.RefusedVersion;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.agent.sync.UpdatePolicy;
import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.ModelReport;
import dev.verge.core.testing.TestClock;
import dev.verge.http.Exposition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 9, "safe model updates on the device": the installation journal, and the agent going back
 * to the previous version by itself, without the hub.
 */
class SafeUpdateTest extends AgentHarness {
  /** A health check short enough to drive with a few requests. */
  private static final int CHECKED_REQUESTS = 3;

  private AgentConfig guarded() {
    return config()
        .withUpdates(
            UpdatePolicy.defaults().withHealthCheck(CHECKED_REQUESTS, Duration.ofHours(1)));
  }

  private AgentConfig again() {
    return guarded().withEnrollmentToken(null);
  }

  /** Starts an agent that serves pump v1, committed by its health check, and closes it. */
  private DesiredModel committedV1() {
    DesiredModel v1 = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.desire(v1);
    Agent agent = start(guarded());
    agent.syncNow();
    passHealthCheck(agent);
    agent.close();
    assertThat(journal()).isEmpty();
    return v1;
  }

  private void passHealthCheck(Agent agent) {
    Http http = http(agent);
    for (int i = 0; i < CHECKED_REQUESTS; i++) {
      versionAnswering(http, "pump");
    }
    agent.syncNow();
  }

  /** The journal, read from the store of a closed agent. */
  private List<InstallEntry> journal() {
    try (SqliteAgentStore store = SqliteAgentStore.open(data.resolve(DataDir.STORE_FILE))) {
      return store.installs();
    }
  }

  private static int policyRuns() {
    return UpdatePolicy.DEFAULT_MAX_RUNS;
  }

  /** The versions of {@code model} served, from its metadata: no request reaches the model. */
  private static List<String> versionsServed(Http http, String model) {
    Http.Response response = http.get("/v2/models/" + model);
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    List<String> versions = new ArrayList<>();
    response.json().path("versions").forEach(v -> versions.add(v.asText()));
    return versions;
  }

  /**
   * What a power cut leaves on disk, taken while the agent runs: a copy of its data folder, the
   * store's database and WAL as they are (a WAL frame copied half-written is one SQLite drops).
   */
  private Path diskImage() throws IOException {
    Path image = dir.resolve("image");
    copyTree(data, image);
    return image;
  }

  /** Stops {@code agent} and puts back {@code image}: whatever its shutdown wrote is lost. */
  private void powerCut(Agent agent, Path image) throws IOException {
    agent.close();
    deleteTree(data);
    copyTree(image, data);
    deleteTree(image);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private List<RefusedVersion> refused() {
    try (SqliteAgentStore store = SqliteAgentStore.open(data.resolve(DataDir.STORE_FILE))) {
      return store.refusedVersions();
    }
  }

  private static double metric(Http http, String name, String... labels) {
    Http.Response page = http.get("/metrics");
    assertThat(page.status()).isEqualTo(200);
    return Exposition.parse(page.body()).value(name, labels);
  }

  @ParameterizedTest
  @EnumSource(
      value = InstallStep.class,
      names = {"DOWNLOAD", "VERIFY", "STAGE", "LOAD", "ACTIVATE"})
  void a_kill_before_the_activation_leaves_the_previous_version_serving_and_the_next_start_resumes(
      InstallStep step) {
    committedV1();
    DesiredModel v2 = hub.model("pump", 2, bundles.logistic("pump", 2));
    hub.desire(v2);
    StopAt kill = StopAt.kill("pump", 2, step);
    Agent killed = start(again(), kill);
    kill.awaitReached();
    killed.close();
    assertThat(journal()).singleElement().extracting(InstallEntry::step).isEqualTo(step);

    // The next start serves v1 at once, while its install of v2 is held at its first step.
    StopAt held = StopAt.hold("pump", 2, InstallStep.DOWNLOAD);
    Agent next = start(again(), held);
    Http http = http(next);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    held.awaitReached();
    held.release();

    Eventually.await("v2 serves", () -> versionAnswering(http, "pump").equals("2"));
    assertThat(hub.calls("GET", v2.bundleDigest()))
        .as("fetched once, whatever the step")
        .hasSize(1);
    next.close();
    assertThat(journal())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.step()).isEqualTo(InstallStep.HEALTH);
              assertThat(e.previousVersion()).isEqualTo(1L);
              // A load the kill interrupted counts as a run.
              int interrupted = step == InstallStep.LOAD || step == InstallStep.ACTIVATE ? 1 : 0;
              assertThat(e.runs()).isEqualTo(1 + interrupted);
            });
  }

  @Test
  void a_kill_on_trial_serves_the_new_version_again_and_a_crash_loop_goes_back_by_itself() {
    DesiredModel v1 = committedV1();
    DesiredModel v2 = hub.model("pump", 2, bundles.logistic("pump", 2), false, 5);
    hub.desire(v2);
    StopAt kill = StopAt.kill("pump", 2, InstallStep.HEALTH);
    Agent first = start(again(), kill);
    kill.awaitReached();
    first.close();

    // Runs 2 and 3: it is served on trial, and the agent stops before it answers a request.
    for (int run = 2; run <= 3; run++) {
      Agent agent = start(again(), StopAt.never());
      assertThat(versionsServed(http(agent), "pump")).containsExactly("2");
      agent.close();
      assertThat(journal()).singleElement().extracting(InstallEntry::runs).isEqualTo(run);
    }

    StopAt steps = StopAt.never();
    Agent recovered = start(again(), steps);
    Http http = http(recovered);
    assertThat(versionAnswering(http, "pump")).as("the previous committed version").isEqualTo("1");
    recovered.syncNow();

    assertThat(versionAnswering(http, "pump")).as("v2 is not installed again").isEqualTo("1");
    assertThat(steps.seen).isEmpty();
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).isEqualTo(2L);
    assertThat(report.failedDeployment()).isEqualTo(5L);
    assertThat(report.error())
        .isEqualTo(
            "crash-loop check failed: the agent ran pump v2 3 times on trial and stopped each time"
                + " before it answered a request; rolled back to v1");
    assertThat(metric(http, "verge_agent_rollbacks_total", "reason", "crash_loop")).isEqualTo(1);
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);

    // A newer deployment is tried again.
    hub.desire(hub.model("pump", 3, bundles.logistic("pump", 3), false, 6));
    recovered.syncNow();
    assertThat(versionAnswering(http, "pump")).isEqualTo("3");
    assertThat(v1.version()).isEqualTo(1);
  }

  /**
   * Issue 9, power-cut suite: pump v1, a first version on trial (100 requests / 10 min), was served
   * for ~50 requests per boot before each cut; on the third boot the crash-loop check refused it,
   * deleted its bundle, and the device answered 404 for 8 minutes. Runs that answer are evidence
   * for the version: it serves through every cut, and the answers of all runs commit it.
   */
  @Test
  void power_cuts_during_the_trial_of_a_version_that_answers_never_refuse_it_and_its_runs_add_up()
      throws IOException {
    int perRun = 20;
    int checked = 100;
    UpdatePolicy policy = UpdatePolicy.defaults().withHealthCheck(checked, Duration.ofHours(1));
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config().withUpdates(policy));
    agent.syncNow();
    int runs = checked / perRun;
    assertThat(runs).as("more runs than update-max-runs").isGreaterThan(policy.maxRuns());
    for (int run = 1; run <= runs; run++) {
      Http http = http(agent);
      for (int i = 0; i < perRun; i++) {
        assertThat(versionAnswering(http, "pump")).as("run %d", run).isEqualTo("1");
      }
      agent.syncNow(); // A health-check tick: it journals the trial's progress.
      if (run == runs) {
        break;
      }
      powerCut(agent, diskImage());
      int answered = run * perRun;
      assertThat(journal())
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.step()).isEqualTo(InstallStep.HEALTH);
                assertThat(e.answered()).isEqualTo(answered);
                assertThat(e.runs()).as("a run that answered is no crash").isEqualTo(1);
              });
      agent = start(config().withUpdates(policy).withEnrollmentToken(null));
    }

    Http http = http(agent);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(refused()).isEmpty();
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).isNull();
    assertThat(report.error()).isNull();
    assertThat(report.installedVersions()).containsExactly(1L);
    powerCut(agent, diskImage());
    assertThat(journal()).as("committed at %d answers over %d runs", checked, runs).isEmpty();
  }

  /**
   * A first version whose agent stops, run after run, before it answers anything is a crash loop,
   * but with no version to go back to it keeps serving, committed, and the report says why.
   */
  @Test
  void a_crash_loop_with_nothing_to_go_back_to_keeps_the_version_serving_and_says_so() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    StopAt kill = StopAt.kill("pump", 1, InstallStep.HEALTH);
    Agent first = start(guarded(), kill);
    kill.awaitReached();
    first.close();
    for (int run = 2; run <= 3; run++) {
      Agent agent = start(again(), StopAt.never());
      assertThat(versionsServed(http(agent), "pump")).containsExactly("1");
      agent.close();
      assertThat(journal()).singleElement().extracting(InstallEntry::runs).isEqualTo(run);
    }

    Agent next = start(again(), StopAt.never());
    Http http = http(next);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    next.syncNow();
    assertThat(versionAnswering(http, "pump")).as("its bundle kept").isEqualTo("1");
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).as("not refused").isNull();
    assertThat(report.installedVersions()).containsExactly(1L);
    assertThat(report.error())
        .isEqualTo(
            "crash-loop check failed: the agent ran pump v1 3 times on trial and stopped each time"
                + " before it answered a request; nothing to go back to, so it keeps serving,"
                + " committed");
    assertThat(http.get("/metrics").body()).as("no rollback").doesNotContain("crash_loop");
    next.close();
    assertThat(journal()).as("committed").isEmpty();
    assertThat(refused()).isEmpty();
  }

  /**
   * Runs that answer nothing count in a row: the third run here answered a request, so the start
   * after it does not take the three runs for a crash loop and starts the count again; three silent
   * runs after it still roll back.
   */
  @Test
  void a_run_that_answers_resets_the_crash_count_and_three_silent_runs_after_it_still_go_back() {
    committedV1();
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    StopAt kill = StopAt.kill("pump", 2, InstallStep.HEALTH);
    Agent first = start(again(), kill);
    kill.awaitReached();
    first.close();
    Agent silent = start(again(), StopAt.never());
    silent.close();
    assertThat(journal()).singleElement().extracting(InstallEntry::runs).isEqualTo(2);

    Agent answering = start(again(), StopAt.never());
    assertThat(versionAnswering(http(answering), "pump")).isEqualTo("2");
    answering.syncNow();
    answering.close();
    assertThat(journal())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.runs()).isEqualTo(policyRuns());
              assertThat(e.answered()).isEqualTo(1);
              assertThat(e.answeredBefore()).isZero();
            });

    for (int run = 1; run <= 3; run++) {
      Agent agent = start(again(), StopAt.never());
      assertThat(versionsServed(http(agent), "pump")).containsExactly("2");
      agent.close();
      assertThat(journal()).singleElement().extracting(InstallEntry::runs).isEqualTo(run);
    }
    Agent recovered = start(again(), StopAt.never());
    assertThat(versionAnswering(http(recovered), "pump")).isEqualTo("1");
    assertThat(refused()).singleElement().extracting(RefusedVersion::version).isEqualTo(2L);
  }

  @Test
  void a_stop_journals_what_the_version_on_trial_answered_in_its_last_moments() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(guarded().withUpdates(UpdatePolicy.defaults()));
    agent.syncNow();
    Http http = http(agent);
    versionAnswering(http, "pump");
    versionAnswering(http, "pump");
    agent.close();
    assertThat(journal())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.answered()).isEqualTo(2);
              assertThat(e.runAnswered()).isTrue();
            });
  }

  @Test
  void a_crash_while_loading_is_counted_across_restarts_and_the_version_refused() {
    committedV1();
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    for (int run = 1; run <= 3; run++) {
      StopAt kill = StopAt.kill("pump", 2, InstallStep.LOAD);
      Agent agent = start(again(), kill);
      kill.awaitReached();
      agent.close();
      assertThat(journal()).singleElement().extracting(InstallEntry::runs).isEqualTo(run);
    }

    StopAt steps = StopAt.never();
    Agent recovered = start(again(), steps);
    recovered.syncNow();

    Http http = http(recovered);
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(steps.seen).as("not loaded a fourth time").isEmpty();
    assertThat(reported("pump").orElseThrow().error())
        .isEqualTo(
            "model load failed: the agent stopped 3 times while loading pump v2 (a crash in the"
                + " runtime?); v1 keeps serving");
    recovered.close();
    assertThat(journal()).isEmpty();
    assertThat(refused()).singleElement().extracting(RefusedVersion::version).isEqualTo(2L);
  }

  @Test
  void a_version_that_fails_to_load_is_refused_until_the_hub_sends_another_deployment() {
    committedV1();
    byte[] notAModel = "not an ONNX graph".getBytes(StandardCharsets.UTF_8);
    hub.desire(hub.model("pump", 2, bundles.withSamples("pump", 2, notAModel, null), false, 2));
    Agent agent = start(again());
    agent.syncNow();
    Http http = http(agent);

    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(reported("pump").orElseThrow().error()).startsWith("model load failed: ");
    agent.syncNow();
    assertThat(metric(http, "verge_agent_installs_total", "outcome", "load"))
        .as("a manual sync does not try it again")
        .isEqualTo(1);
    assertThat(metric(http, "verge_agent_rollbacks_total", "reason", "load")).isEqualTo(1);

    // The same version in another deployment is a new target.
    hub.desire(hub.model("pump", 2, bundles.withSamples("pump", 2, notAModel, null), false, 3));
    agent.syncNow();
    assertThat(metric(http, "verge_agent_installs_total", "outcome", "load")).isEqualTo(2);
    hub.desire(hub.model("pump", 3, bundles.logistic("pump", 3), false, 4));
    agent.syncNow();
    assertThat(versionAnswering(http, "pump")).isEqualTo("3");
  }

  @Test
  void a_version_that_fails_its_warm_up_is_refused_and_the_refusal_survives_a_restart() {
    committedV1();
    String wrongAnswer =
        """
        {"samples": [{"id": "one",
          "inputs": [{"name": "input", "datatype": "FP32", "shape": [1, 2], "data": [1, 1]}],
          "outputs": [{"name": "output", "datatype": "FP32", "shape": [1, 2], "data": [42, 42]}]}]}
        """;
    hub.desire(
        hub.model(
            "pump",
            2,
            bundles.withSamples("pump", 2, dev.verge.runtime.TestModels.logistic(2), wrongAnswer)));
    Agent agent = start(again());
    agent.syncNow();
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("1");
    agent.close();

    StopAt steps = StopAt.never();
    Agent next = start(again(), steps);
    next.syncNow();
    assertThat(steps.seen).isEmpty();
    assertThat(reported("pump").orElseThrow().error())
        .startsWith("sample check failed: pump v2, sample 'one', output 'output' differs");
  }

  @Test
  void a_version_whose_error_rate_passes_the_limit_goes_back_by_itself_and_says_why() {
    AgentConfig config =
        config()
            .withUpdates(
                UpdatePolicy.defaults()
                    .withHealthCheck(20, Duration.ofHours(1))
                    .withLimits(0.1, Duration.ZERO));
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config.withUpdates(config.updates().withHealthCheck(1, Duration.ZERO)));
    agent.syncNow();
    agent.close();
    hub.desire(hub.model("pump", 2, bundles.failsOnLargeInputs("pump", 2), false, 9));
    agent = start(config.withEnrollmentToken(null));
    agent.syncNow();
    Http http = http(agent);

    int failed = 0;
    for (int i = 0; i < 6; i++) {
      Http.Response good =
          http.post("/v2/models/pump/infer", Http.logisticRequest("ok" + i, 0.5f, 1));
      assertThat(good.json().path("model_version").asText()).isEqualTo("2");
    }
    for (int i = 0; i < 3; i++) {
      if (http.post("/v2/models/pump/infer", Http.logisticRequest("bad" + i, 5, 5)).status()
          >= 500) {
        failed++;
      }
    }
    assertThat(failed).as("requests that fail inside the model").isEqualTo(3);
    agent.syncNow();

    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    ModelReport report = reported("pump").orElseThrow();
    assertThat(report.activeVersion()).isEqualTo(1L);
    assertThat(report.failedVersion()).isEqualTo(2L);
    assertThat(report.failedDeployment()).isEqualTo(9L);
    assertThat(report.error())
        .isEqualTo(
            "health check failed: v2 failed 3 of its first 9 requests, more than the 10.0 % of 20"
                + " its health check allows; rolled back to v1");
    assertThat(report.stats().version()).isEqualTo(1L);
    assertThat(metric(http, "verge_agent_rollbacks_total", "reason", "health")).isEqualTo(1);
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);

    agent.syncNow();
    assertThat(versionAnswering(http, "pump"))
        .as("refused until a newer deployment")
        .isEqualTo("1");
  }

  @Test
  void a_newer_version_that_fails_to_load_leaves_the_trial_of_the_one_serving_going_on() {
    committedV1();
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    Agent agent = start(again());
    agent.syncNow();
    byte[] notAModel = "not an ONNX graph".getBytes(StandardCharsets.UTF_8);
    hub.desire(hub.model("pump", 3, bundles.withSamples("pump", 3, notAModel, null)));
    agent.syncNow();
    assertThat(versionAnswering(http(agent), "pump")).isEqualTo("2");
    agent.close();

    assertThat(journal())
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.version()).isEqualTo(2);
              assertThat(e.step()).isEqualTo(InstallStep.HEALTH);
              assertThat(e.previousVersion()).isEqualTo(1L);
            });
  }

  /**
   * Regression (found by RolloutIntegrationTest): a new version replacing a model's first version
   * while that one was still on trial had nothing to go back to, so it kept serving.
   */
  @Test
  void a_version_replacing_a_first_version_still_on_trial_goes_back_to_it() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent =
        start(
            config()
                .withUpdates(
                    UpdatePolicy.defaults()
                        .withHealthCheck(20, Duration.ofHours(1))
                        .withLimits(0.1, Duration.ZERO)));
    agent.syncNow(); // v1 serves on trial, uncommitted.
    hub.desire(hub.model("pump", 2, bundles.failsOnLargeInputs("pump", 2), false, 2));
    agent.syncNow();
    Http http = http(agent);
    for (int i = 0; i < 3; i++) {
      http.post("/v2/models/pump/infer", Http.logisticRequest("bad" + i, 5, 5));
    }
    agent.syncNow();

    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(reported("pump").orElseThrow().error())
        .startsWith("health check failed: v2 failed 3 of its first 3 requests")
        .endsWith("; rolled back to v1");
  }

  @Test
  void a_version_that_passes_its_health_check_is_committed() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(guarded());
    agent.syncNow();
    agent.close();
    assertThat(journal())
        .singleElement()
        .extracting(InstallEntry::step)
        .isEqualTo(InstallStep.HEALTH);

    agent = start(again());
    passHealthCheck(agent);
    agent.close();
    assertThat(journal()).isEmpty();
  }

  @Test
  void a_version_with_fewer_requests_than_its_check_counts_is_judged_when_its_window_ends() {
    TestClock clock = new TestClock(Instant.parse("2026-12-02T08:00:00Z"));
    AgentConfig config =
        config().withUpdates(UpdatePolicy.defaults().withHealthCheck(100, Duration.ofMinutes(10)));
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent agent = start(config, clock);
    agent.syncNow();
    clock.advance(Duration.ofMinutes(10));
    agent.syncNow(); // No request at all in its window: committed.

    hub.desire(hub.model("pump", 2, bundles.failsOnLargeInputs("pump", 2), false, 2));
    agent.syncNow();
    Http http = http(agent);
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    assertThat(http.post("/v2/models/pump/infer", Http.logisticRequest("bad", 5, 5)).status())
        .isGreaterThanOrEqualTo(500);
    clock.advance(Duration.ofMinutes(9));
    agent.syncNow();
    assertThat(versionAnswering(http, "pump")).as("1 error in 100 is within 5 %").isEqualTo("2");

    clock.advance(Duration.ofMinutes(1));
    agent.syncNow();
    assertThat(versionAnswering(http, "pump")).isEqualTo("1");
    assertThat(reported("pump").orElseThrow().error())
        .isEqualTo(
            "health check failed: v2 failed 1 of 3 requests in its first 10 min (33.3 %), more"
                + " than the limit of 5.0 %; rolled back to v1");
  }
}
