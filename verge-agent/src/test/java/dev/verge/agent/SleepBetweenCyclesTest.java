package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.pipeline.Action;
import dev.verge.agent.pipeline.InputMapping;
import dev.verge.agent.pipeline.PipelineSpec;
import dev.verge.agent.pipeline.PipelineStatus;
import dev.verge.agent.pipeline.PipelinesConfig;
import dev.verge.agent.pipeline.Rule;
import dev.verge.agent.pipeline.Schedule;
import dev.verge.agent.pipeline.Source;
import dev.verge.agent.sync.InstallObserver;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PredictionRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A far-edge agent asleep between its pipeline's cycles (issue 9: "optional sleep between cycles
 * with the agent's loops idle"): the hub hears from it only in the link pass after each cycle, and
 * every result reaches the hub, through hub errors and an unreachable hub.
 */
class SleepBetweenCyclesTest {
  private static final Duration CYCLE = Duration.ofSeconds(1);

  @TempDir Path dir;
  FakeHub hub;
  FakeHub laterHub;
  TestBundles bundles;
  byte[] pumpV1;
  Agent agent;

  /** Whether a link pass runs now: the hub may hear from the agent only then. */
  final AtomicBoolean inPass = new AtomicBoolean();

  final List<FakeHub.Call> outsidePasses = new CopyOnWriteArrayList<>();
  final AtomicLong lastStarted = new AtomicLong();
  final Map<Long, LinkPass.Outcome> outcomes = new ConcurrentHashMap<>();

  /** Per pass, the pipeline's predictions when it started: all of them must reach the hub. */
  final Map<Long, Long> predictedAtStart = new ConcurrentHashMap<>();

  /** Per pass, the active version of pump when it ended. */
  final Map<Long, Long> activeAtEnd = new ConcurrentHashMap<>();

  final AtomicReference<Agent> running = new AtomicReference<>();

  @BeforeEach
  void startHub() {
    hub = watched(new FakeHub());
    bundles = new TestBundles(dir.resolve("publisher"));
    pumpV1 = bundles.logistic("pump", 1);
    hub.desire(hub.model("pump", 1, pumpV1));
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    hub.close();
    if (laterHub != null) {
      laterHub.close();
    }
  }

  private FakeHub watched(FakeHub h) {
    h.onCall =
        call -> {
          if (!inPass.get() && !call.path().endsWith("/enroll")) {
            outsidePasses.add(call);
          }
        };
    return h;
  }

  private final LinkPass.Observer observer =
      new LinkPass.Observer() {
        @Override
        public void started(long pass) {
          inPass.set(true);
          lastStarted.set(pass);
          predictedAtStart.put(pass, predictions(running.get()));
        }

        @Override
        public void ended(long pass, LinkPass.Outcome outcome) {
          Long active = active(running.get());
          if (active != null) {
            activeAtEnd.put(pass, active);
          }
          inPass.set(false);
          outcomes.put(pass, outcome);
        }
      };

  /** The logistic model answers output[1] ≈ 1 for (3, 3): the rule raises an event each reading. */
  private static PipelineSpec watch() {
    Source.Wave wave = new Source.Wave(3, 0, Duration.ofSeconds(10), 0, 0, 0);
    return new PipelineSpec(
        "watch",
        new Source.Synthetic(7, Map.of("a", wave, "b", wave), 1),
        new Schedule.Every(CYCLE),
        "pump",
        new InputMapping(
            null, null, List.of(InputMapping.Feature.of("a"), InputMapping.Feature.of("b"))),
        List.of(
            new Rule(
                "failure risk",
                Rule.parse("output[1] > 0.8"),
                List.of(new Action.RaiseEvent("critical", "pump failure risk")),
                null)));
  }

  private Agent start() {
    AgentConfig config =
        AgentConfig.defaults(hub.url(), dir.resolve("device"))
            .withPort(0)
            .withEnrollmentToken(FakeHub.TOKEN)
            .withDevice("far-edge", Map.of())
            .withTrustedKeys(List.of(bundles.publicKey()))
            // Were the loops on their timers, the hub would hear from them every 100 ms.
            .withPollInterval(Duration.ofMillis(100))
            .withForwarding(Duration.ofMillis(100), 500)
            .withPipelines(PipelinesConfig.of(List.of(watch())).sleeping(Duration.ofSeconds(10)));
    agent = Agent.start(config, Engines.ONNX, Clock.systemUTC(), InstallObserver.NONE, observer);
    running.set(agent);
    return agent;
  }

  private static PipelineStatus status(Agent agent) {
    return agent.status().pipelines().getFirst();
  }

  private static long predictions(Agent agent) {
    return agent == null ? -1 : status(agent).predictions();
  }

  private static Long active(Agent agent) {
    if (agent == null) {
      return null;
    }
    return agent.status().models().stream()
        .filter(m -> m.name().equals("pump"))
        .map(ModelReport::activeVersion)
        .findFirst()
        .orElse(null);
  }

  private static Set<String> recorded(FakeHub h) {
    Set<String> ids = new HashSet<>();
    for (PredictionRecord r : h.predictions()) {
      assertThat(ids.add(r.requestId())).as("%s reached the hub once", r.requestId()).isTrue();
    }
    return ids;
  }

  /** The request ids of the pipeline's first {@code n} readings. */
  private static Set<String> firstReadings(long n) {
    Set<String> ids = new HashSet<>();
    for (long i = 1; i <= n; i++) {
      ids.add("watch:synthetic #" + i);
    }
    return ids;
  }

  private static boolean reached(LinkPass.Outcome outcome) {
    return outcome instanceof LinkPass.Outcome.Done done && done.failures().isEmpty();
  }

  /** Waits for a pass after {@code after} that reached the hub in every step; returns it. */
  private long awaitPassThatReached(long after) {
    AtomicLong found = new AtomicLong();
    Eventually.await(
        "a link pass after pass " + after + " that reached the hub",
        Duration.ofSeconds(30),
        () -> {
          for (Map.Entry<Long, LinkPass.Outcome> e : outcomes.entrySet()) {
            if (e.getKey() > after && reached(e.getValue())) {
              found.set(e.getKey());
              return true;
            }
          }
          return false;
        });
    return found.get();
  }

  @Test
  void the_hub_hears_from_the_agent_only_in_the_pass_after_each_cycle_and_gets_every_result() {
    start();
    Eventually.await("4 predictions", Duration.ofSeconds(30), () -> predictions(agent) >= 4);
    long pass = awaitPassThatReached(lastStarted.get());

    assertThat(outsidePasses).as("requests between passes").isEmpty();
    assertThat(recorded(hub)).containsAll(firstReadings(predictedAtStart.get(pass)));
    assertThat(hub.events()).hasSizeGreaterThanOrEqualTo(predictedAtStart.get(pass).intValue());
    // Each pass ran after a cycle (or the start): never more passes than cycles and the start.
    assertThat(outcomes.size()).isLessThanOrEqualTo((int) status(agent).cycles() + 1);
    assertThat(status(agent).state()).isEqualTo("RUNNING");
  }

  @Test
  void
      with_the_hub_unreachable_for_several_cycles_nothing_is_lost_and_all_arrives_on_the_first_pass_with_a_link() {
    start();
    Eventually.await(
        "a prediction at the hub", Duration.ofSeconds(30), () -> !hub.predictions().isEmpty());
    awaitPassThatReached(lastStarted.get());
    int port = hub.url().getPort();
    hub.close();
    long cyclesThen = status(agent).cycles();
    long passThen = lastStarted.get();

    Eventually.await(
        "3 cycles offline", Duration.ofSeconds(30), () -> status(agent).cycles() >= cyclesThen + 3);
    Eventually.await(
        "their passes ended", Duration.ofSeconds(30), () -> outcomes.size() >= passThen + 3);
    List<LinkPass.Outcome> offline = new ArrayList<>();
    for (long p = passThen + 1; p <= passThen + 3; p++) {
      offline.add(outcomes.get(p));
    }
    assertThat(offline)
        .allSatisfy(
            o -> {
              assertThat(reached(o)).isFalse();
              assertThat(((LinkPass.Outcome.Done) o).failures())
                  .contains("sync: the hub did not answer the poll");
            });
    assertThat(agent.status().predictionsPending()).isPositive();

    laterHub = watched(new FakeHub(port));
    laterHub.desire(laterHub.model("pump", 1, pumpV1));
    long pass = awaitPassThatReached(lastStarted.get());

    Set<String> before = recorded(hub);
    Set<String> after = recorded(laterHub);
    assertThat(after).doesNotContainAnyElementsOf(before);
    Set<String> all = new HashSet<>(before);
    all.addAll(after);
    assertThat(all).containsAll(firstReadings(predictedAtStart.get(pass)));
    assertThat(laterHub.events().size() + hub.events().size())
        .isGreaterThanOrEqualTo(predictedAtStart.get(pass).intValue());
    assertThat(outsidePasses).isEmpty();
  }

  @Test
  void a_deployment_made_on_the_hub_is_installed_in_the_next_pass() {
    start();
    Eventually.await("pump v1 serves", Duration.ofSeconds(30), () -> predictions(agent) >= 1);
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));

    // The first pass to start after the deployment (one that started before it may have polled
    // before it was there, as it did once in CI).
    long next = lastStarted.get() + 1;
    Eventually.await(
        "the next pass ended", Duration.ofSeconds(30), () -> outcomes.containsKey(next));
    assertThat(outcomes.get(next)).isEqualTo(new LinkPass.Outcome.Done(List.of()));
    assertThat(activeAtEnd.get(next)).isEqualTo(2L);
    Eventually.await(
        "a v2 prediction at the hub",
        Duration.ofSeconds(30),
        () -> hub.predictions().stream().anyMatch(r -> r.version() == 2));
    assertThat(outsidePasses).isEmpty();
  }

  @Test
  void passes_the_hub_fails_do_not_stop_later_cycles_and_what_they_could_not_send_arrives_later() {
    start();
    Eventually.await("pump v1 serves", Duration.ofSeconds(30), () -> predictions(agent) >= 1);
    awaitPassThatReached(0);
    long from = lastStarted.get();
    hub.failPredictionBatches.set(2);
    hub.eventsDown.set(true);

    Eventually.await(
        "two passes the hub failed",
        Duration.ofSeconds(30),
        () ->
            outcomes.entrySet().stream()
                    .filter(e -> e.getKey() > from && !reached(e.getValue()))
                    .count()
                >= 2);
    hub.eventsDown.set(false);
    long cycles = status(agent).cycles();
    long pass = awaitPassThatReached(lastStarted.get());
    Eventually.await(
        "cycles go on", Duration.ofSeconds(30), () -> status(agent).cycles() >= cycles + 2);

    assertThat(recorded(hub)).containsAll(firstReadings(predictedAtStart.get(pass)));
    assertThat(hub.events()).hasSizeGreaterThanOrEqualTo(predictedAtStart.get(pass).intValue());
    assertThat(status(agent).state()).isEqualTo("RUNNING");
    assertThat(outsidePasses).isEmpty();
  }

  @Test
  void sleeping_with_no_pipeline_is_refused_by_name() {
    AgentConfig config =
        AgentConfig.defaults(hub.url(), dir.resolve("device"))
            .withTrustedKeys(List.of(bundles.publicKey()))
            .withPipelines(PipelinesConfig.of(List.of()).sleeping(Duration.ofSeconds(30)));

    assertThatThrownBy(config::validate)
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("sleep-between-cycles is on but no pipeline is configured");
  }
}
