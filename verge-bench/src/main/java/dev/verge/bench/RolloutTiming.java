package dev.verge.bench;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.bench.fleet.SimulatedFleet;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.Gate;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * How long the hub's rollout engine takes to decide, with real agents and with simulated devices:
 * from "deploy" to the canary's decision (a bad version rolled back, a good one promoted), and from
 * the start of the last wave to COMPLETED, with the soak time set to zero so the figures show the
 * engine's and the devices' own delays (polling, reporting, the engine's tick).
 *
 * <p>Run: {@code ./verge bench rollouts [agents] [simulated devices]} (default 3 and 1000).
 */
public final class RolloutTiming implements AutoCloseable {
  private static final String MODEL = "pump";
  private static final Duration DEADLINE = Duration.ofMinutes(5);
  private static final Map<String, String> LABELS = Map.of("fleet", "timing");

  private final Path root;
  private final Hub hub;
  private final HubAdminClient admin;
  private final OnnxEngine engine = new OnnxEngine(EngineOptions.defaults());
  private final Path publicKey;
  private final PrivateKey privateKey;

  private RolloutTiming(Path root) {
    this.root = root;
    this.hub = Hub.start(HubConfig.defaults(root.resolve("hub")).withPort(0));
    this.admin = new HubAdminClient(hub.url(), hub.adminToken());
    Keys.KeyFiles keys = Keys.writePair(Keys.generate(), root.resolve("keys"), "timing");
    admin.trustPublisherKey("timing", Keys.readPublic(keys.publicKey()).pem());
    this.publicKey = keys.publicKey();
    this.privateKey = Keys.readPrivate(keys.privateKey());
  }

  /** One measured rollout. */
  record Timing(
      String fleet,
      int devices,
      String version,
      Duration toCanaryDecision,
      RolloutPhase decision,
      Duration lastWaveToEnd,
      RolloutPhase end,
      int receivedOutsideCanary) {}

  public static void main(String[] args) throws Exception {
    Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    int simulated = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    List<Timing> timings = new ArrayList<>();
    Path root = Files.createTempDirectory("verge-rollout-timing-");
    try (RolloutTiming real = new RolloutTiming(root.resolve("real"))) {
      timings.addAll(real.withAgents(agents));
    }
    try (RolloutTiming sim = new RolloutTiming(root.resolve("simulated"))) {
      timings.addAll(sim.withSimulatedDevices(simulated));
    }
    System.out.println();
    System.out.println(
        "| fleet | devices | version | deploy → canary decision | decision | last wave → end | end |"
            + " devices outside the canary that received it |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Timing t : timings) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %d | %s | %.2f s | %s | %s | %s | %d |%n",
          t.fleet(),
          t.devices(),
          t.version(),
          t.toCanaryDecision().toMillis() / 1000.0,
          t.decision(),
          t.lastWaveToEnd() == null
              ? "-"
              : String.format(Locale.ROOT, "%.2f s", t.lastWaveToEnd().toMillis() / 1000.0),
          t.end(),
          t.receivedOutsideCanary());
    }
  }

  private List<Timing> withAgents(int count) throws Exception {
    publish(1, TestModels.logistic());
    publish(2, TestModels.failsOnLargeInputs());
    publish(3, TestModels.logistic(2f));
    List<Agent> agents = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        String name = "agent-" + i;
        agents.add(
            Agent.start(
                AgentConfig.defaults(hub.url(), root.resolve("agents").resolve(name))
                    .withPort(0)
                    .withEnrollmentToken(admin.createEnrollmentToken(600L, name).token())
                    .withDevice(name, LABELS)
                    .withTrustedKeys(List.of(publicKey))
                    .withPollInterval(Duration.ofMillis(200)),
                engine));
      }
      try (Load load = new Load(agents)) {
        rollOutToAll(1);
        List<Timing> timings = new ArrayList<>();
        LongFunction<Set<String>> installed =
            version ->
                agents.stream()
                    .filter(
                        a ->
                            a.status().models().stream()
                                .anyMatch(
                                    m ->
                                        m.name().equals(MODEL)
                                            && m.installedVersions().contains(version)))
                    .map(a -> a.status().deviceId())
                    .collect(Collectors.toSet());
        timings.add(measure("real agents", count, 2, "1", installed));
        timings.add(measure("real agents", count, 3, "1", installed));
        return timings;
      }
    } finally {
      agents.forEach(Agent::close);
    }
  }

  private List<Timing> withSimulatedDevices(int count) throws Exception {
    publish(1, TestModels.logistic());
    publish(2, TestModels.failsOnLargeInputs());
    publish(3, TestModels.logistic(2f));
    try (SimulatedFleet fleet =
        new SimulatedFleet(
            hub.url(),
            hub.adminToken(),
            count,
            "sim",
            LABELS,
            version ->
                new SimulatedFleet.Behaviour(
                    20, version == 2 ? 0.5 : 0.0, 800, Map.of("output[1]", 0.3)),
            Duration.ofSeconds(1))) {
      rollOutToAll(1);
      List<Timing> timings = new ArrayList<>();
      LongFunction<Set<String>> given =
          version ->
              fleet.received(MODEL).entrySet().stream()
                  .filter(e -> e.getValue().contains(version))
                  .map(Map.Entry::getKey)
                  .collect(Collectors.toSet());
      timings.add(measure("simulated", count, 2, "5%", given));
      timings.add(measure("simulated", count, 3, "5%", given));
      return timings;
    }
  }

  /** Deploys {@code version} at once and waits until every device runs it. */
  private void rollOutToAll(long version) throws InterruptedException {
    DeploymentView d = admin.deploy(new DeploymentRequest(MODEL, version, LABELS, false));
    await(d.id(), v -> v.counts().active() == v.counts().targeted() && v.counts().targeted() > 0);
  }

  /**
   * @param receivedBy the ids of the devices that ever received a version (installed it, or for a
   *     simulated device, was given it)
   */
  private Timing measure(
      String fleet, int devices, long version, String canary, LongFunction<Set<String>> receivedBy)
      throws InterruptedException {
    RolloutPlan plan =
        new RolloutPlan(
            canary,
            List.of("25%", "50%", "100%"),
            Duration.ZERO,
            Gate.parseList("error_rate<5%,install_success>=99%"),
            RolloutPlan.OnFail.ROLLBACK,
            null,
            20L,
            Duration.ofMinutes(2));
    Instant started = Instant.now();
    DeploymentView created =
        admin.deploy(
            new DeploymentRequest(MODEL, version, "fleet=timing", false, 0, plan, null, null));
    DeploymentView end = await(created.id(), v -> v.state().terminal());
    // Times come from the rollout's own recorded transitions, so how often this harness looks
    // does not change them: the canary's decision is the first transition out of wave 0.
    DeploymentView.Transition decided =
        end.transitions().stream()
            .filter(
                t ->
                    t.to() == RolloutPhase.ROLLING_BACK
                        || t.to() == RolloutPhase.PAUSED
                        || t.to() == RolloutPhase.COMPLETED
                        || (t.wave() != null && t.wave() > 0))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("no canary decision: " + end));
    Duration toDecision = Duration.between(started, decided.at());
    System.out.printf(Locale.ROOT, "%s, %d devices, v%d:%n", fleet, devices, version);
    for (DeploymentView.Transition t : end.transitions()) {
      System.out.printf(
          Locale.ROOT,
          "  +%6.2f s  %s -> %s: %s%n",
          Duration.between(started, t.at()).toMillis() / 1000.0,
          t.from(),
          t.to(),
          t.reason());
    }
    RolloutPhase decision = decided.to();
    Duration lastWave = null;
    if (end.state() == RolloutPhase.COMPLETED) {
      int last = end.waves().size() - 1;
      Instant lastStarted = end.waves().get(last).startedAt();
      Instant completed = end.transitions().getLast().at();
      lastWave = Duration.between(lastStarted, completed);
    }
    Set<String> received = receivedBy.apply(version);
    int outside =
        end.state() == RolloutPhase.COMPLETED
            ? 0 // A healthy version is meant to reach them.
            : (int)
                end.devices().stream()
                    .filter(d -> d.wave() > 0 && received.contains(d.deviceId()))
                    .count();
    // Put the fleet back on v1 for the next measurement.
    if (end.state() == RolloutPhase.COMPLETED) {
      DeploymentView back = admin.deploy(new DeploymentRequest(MODEL, 1, LABELS, true));
      await(back.id(), v -> v.counts().active() == v.counts().targeted());
    }
    return new Timing(
        fleet, devices, "v" + version, toDecision, decision, lastWave, end.state(), outside);
  }

  private DeploymentView await(long id, Predicate<DeploymentView> done)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(DEADLINE);
    while (true) {
      DeploymentView view = admin.deployment(id);
      if (done.test(view)) {
        return view;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            "deployment "
                + id
                + " did not get there within "
                + DEADLINE
                + ": "
                + view.state()
                + " "
                + view.reason()
                + " "
                + view.counts());
      }
      Thread.sleep(250); // A view of 1,000 devices is not free; the hub answers it each time.
    }
  }

  private void publish(long version, byte[] onnx) throws IOException {
    Path dir = Files.createDirectories(root.resolve("bundles"));
    Path model = Files.write(dir.resolve(MODEL + "-" + version + ".onnx"), onnx);
    OnnxEngine.Signature signature = engine.inspect(onnx);
    Path bundle = dir.resolve(MODEL + "-" + version + ".vbundle");
    BundleWriter.create(
        new BundleWriter.Spec(
            MODEL, version, model, signature.inputs(), signature.outputs(), Map.of(), null),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, privateKey);
    admin.publish(bundle, bytes -> {});
  }

  /**
   * Single-row requests to every agent, about 50 a second each, so gates have traffic to read;
   * their features (2.5, 3.0) make {@link TestModels#failsOnLargeInputs()} err.
   */
  private static final class Load implements AutoCloseable {
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopped;

    Load(List<Agent> agents) {
      byte[] body =
          "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[2.5,3.0]}]}"
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      for (Agent agent : agents) {
        URI url = URI.create(agent.inferenceUrl() + "/v2/models/" + MODEL + "/infer");
        threads.add(
            Thread.ofVirtual()
                .start(
                    () -> {
                      while (!stopped) {
                        try {
                          http.send(
                              HttpRequest.newBuilder(url)
                                  .timeout(Duration.ofSeconds(10))
                                  .header("Content-Type", "application/json")
                                  .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                  .build(),
                              HttpResponse.BodyHandlers.discarding());
                          Thread.sleep(20);
                        } catch (InterruptedException e) {
                          return;
                        } catch (IOException e) {
                          // Not serving yet, or between versions: keep offering traffic.
                        }
                      }
                    }));
      }
    }

    @Override
    public void close() {
      stopped = true;
      threads.forEach(Thread::interrupt);
      http.shutdownNow();
    }
  }

  @Override
  public void close() {
    hub.close();
    engine.close();
  }
}
