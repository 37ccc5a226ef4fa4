package dev.verge.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.output.Table;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.EnrollmentToken;
import dev.verge.core.api.Gate;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.ModelVersionView;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutPlan;
import dev.verge.core.bundle.BundleWriter;
import dev.verge.core.oip.TensorSpec;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * The demo's script: every step uses the real parts (hub, agents as processes, Tribuo, ONNX
 * Runtime, signed bundles), so a green demo is evidence that the slice works end to end.
 */
public final class Demo {
  /** The demo's settings. */
  public record Options(
      int agents, int requestsPerAgent, Path work, boolean keepWork, boolean once) {}

  /** One line of the summary. */
  public record Row(
      String device,
      String deviceId,
      Long activeVersion,
      long served,
      long synced,
      long failed,
      Long residentKib,
      URI inferenceUrl) {}

  /** How the demo ended. */
  public sealed interface Result {
    /** Every step worked. */
    record Completed(URI hub, List<Row> rows) implements Result {}

    /** {@code step} failed for {@code reason}; the work folder was kept for its logs. */
    record Failed(String step, String reason, Path work) implements Result {}
  }

  static final String MODEL = "pump-failure";
  private static final int STEPS = 14;
  private static final Duration POLL = Duration.ofMillis(500);
  private static final Map<String, String> SELECTOR = Map.of("fleet", "demo");

  static final String FAR_EDGE = "far-edge";
  private static final Duration OUTAGE = Duration.ofSeconds(3);

  /**
   * The far-edge device's pipeline: a synthetic pump whose temperature and vibration rise together
   * every 3 s, read every 200 ms; a failure probability above 0.8 raises an event for the hub.
   */
  static final String FAR_EDGE_CONFIG =
      """
      agent:
        pipelines:
          pump-watch:
            model: %s
            source:
              synthetic:
                seed: 7
                fields:
                  temperature: {mean: 66, amplitude: 16, period: 3s, noise: 2}
                  vibration: {mean: 3.8, amplitude: 2.8, period: 3s, noise: 0.4}
            schedule: {every: 200ms}
            input:
              features:
                - {field: temperature, scale: 0.1}
                - vibration
            rules:
              - name: failure risk
                when: output[1] > 0.8
                then:
                  - event: {severity: critical, message: pump failure risk above 80%%}
      """
          .formatted(MODEL);

  /**
   * The bad release's gate: the mean "failing" probability. The demo's traffic is half failing
   * pumps, so a sound model answers about 0.5 on average and the mislabelled v3 close to 1.
   */
  static final String CANARY_GATE = "mean:output[1]<0.8,error_rate<1%";

  /**
   * The in-process hub logs at INFO; the demo tells the story itself, so it keeps only warnings.
   * Held in a field because java.util.logging forgets the level of a logger nobody references.
   */
  private static final List<java.util.logging.Logger> QUIET =
      List.of(
          java.util.logging.Logger.getLogger("dev.verge"),
          java.util.logging.Logger.getLogger("org.flywaydb"));

  private final Options options;
  private final PrintStream out;
  private final InferenceClient inference = new InferenceClient();
  private final List<AgentProcess> agents = new ArrayList<>();
  private final List<URI> endpoints = new ArrayList<>();
  private final List<LoadGenerator.Counters> counters = new ArrayList<>();
  private final Map<String, String> deviceIdByAgent = new HashMap<>();
  private AgentProcess farEdge;
  private URI farEdgeEndpoint;
  private String farEdgeId;
  private LinkSwitch link;
  private String farEdgeSummary;
  private Hub hub;
  private HubAdminClient client;
  private Path work;
  private int stepNumber;
  private boolean cleaned;
  private String badRelease;

  public Demo(Options options, PrintStream out) {
    this.options = options;
    this.out = out;
  }

  public Result run() {
    String step = "prepare the work folder";
    boolean failed = true;
    QUIET.forEach(logger -> logger.setLevel(java.util.logging.Level.WARNING));
    try {
      work =
          options.work() == null
              ? Files.createTempDirectory("verge-demo-")
              : Files.createDirectories(options.work());
      step = "start the hub";
      startHub();
      step = "make a publisher key";
      Path publicKey = work.resolve("keys/publisher.pub");
      PrivateKey privateKey = makePublisherKey();
      step = "train and publish model v1";
      publish(PumpModelTrainer.Recipe.of(1), privateKey);
      step = "start the agents";
      startAgents(publicKey);
      step = "deploy v1";
      rollout(1);
      step = "serve predictions";
      servePredictions();
      step = "sync predictions to the hub";
      awaitSync();
      step = "train and publish model v2";
      publish(PumpModelTrainer.Recipe.of(2), privateKey);
      step = "upgrade to v2 under load";
      upgradeUnderLoad();
      step = "sync predictions to the hub";
      awaitSync();
      step = "train and publish the mislabelled model v3";
      publish(PumpModelTrainer.Recipe.of(3), privateKey);
      step = "stop v3 in the canary";
      badRelease = stopBadReleaseInCanary();
      step = "sync predictions to the hub";
      awaitSync();
      step = "run a far-edge pipeline, offline for a while";
      farEdge(publicKey);
      step = "summarise";
      List<Row> rows = summary();
      failed = false;
      if (!options.once()) {
        waitForInterrupt();
      }
      return new Result.Completed(hub.url(), rows);
    } catch (Exception e) {
      String reason = e.getMessage() == null ? e.toString() : e.getMessage();
      out.println();
      out.println("FAILED at step '" + step + "': " + reason);
      if (work != null) {
        out.println("Logs and data kept in " + work);
      }
      return new Result.Failed(step, reason, work);
    } finally {
      cleanUp(failed);
    }
  }

  private void startHub() {
    begin("Start the hub (embedded SQLite store, local bundle folder)");
    Path data = work.resolve("hub");
    HubConfig defaults = HubConfig.defaults(data);
    hub = Hub.start(new HubConfig(data, "127.0.0.1", 0, defaults.maxBundleBytes(), List.of()));
    client = new HubAdminClient(hub.url(), hub.adminToken());
    done("hub on " + hub.url());
  }

  private PrivateKey makePublisherKey() {
    begin("Make a publisher signing key and register it with the hub");
    Keys.KeyFiles files = Keys.writePair(Keys.generate(), work.resolve("keys"), "publisher");
    client.trustPublisherKey("demo publisher", Keys.readPublic(files.publicKey()).pem());
    done("Ed25519 key " + files.keyId());
    return Keys.readPrivate(files.privateKey());
  }

  private void publish(PumpModelTrainer.Recipe recipe, PrivateKey key) throws IOException {
    long version = recipe.version();
    int examples = recipe.examples();
    begin("Train model v" + version + " with Tribuo, export to ONNX, bundle, sign, publish");
    Path models = Files.createDirectories(work.resolve("models"));
    PumpModelTrainer.TrainedModel trained =
        recipe.train(models.resolve(MODEL + "-v" + version + ".onnx"));
    Path bundle = models.resolve(MODEL + "-" + version + ".vbundle");
    byte[] onnx = Files.readAllBytes(trained.onnx());
    OnnxEngine.Signature signature;
    try (OnnxEngine engine = new OnnxEngine(EngineOptions.defaults())) {
      signature = engine.inspect(onnx);
    }
    Map<String, String> metadata =
        Map.of(
            "features", String.join(",", PumpModelTrainer.FEATURES),
            "labels", String.join(",", PumpModelTrainer.LABELS),
            "trainer", "Tribuo logistic regression",
            "training.examples", Integer.toString(examples),
            "test.accuracy", String.format(Locale.ROOT, "%.4f", trained.accuracy()));
    BundleWriter.create(
        new BundleWriter.Spec(
            MODEL,
            version,
            trained.onnx(),
            signature.inputs(),
            signature.outputs(),
            metadata,
            null),
        bundle,
        Clock.systemUTC());
    BundleWriter.sign(bundle, key);
    ModelVersionView view = client.publish(bundle, bytes -> {});
    TensorSpec in = view.inputs().get(0);
    done(
        String.format(
            Locale.ROOT,
            "accuracy %.1f%% on held-out readings; input %s %s%s; bundle %s",
            trained.accuracy() * 100,
            in.name(),
            in.datatype(),
            in.shape(),
            view.bundleDigest().substring(0, 12)));
  }

  private void startAgents(Path publicKey) throws IOException, InterruptedException {
    begin(
        "Start "
            + options.agents()
            + " agents as separate processes, enrolled with one-time tokens");
    for (int i = 1; i <= options.agents(); i++) {
      String name = "agent-" + i;
      Path data = work.resolve("agents").resolve(name);
      Files.createDirectories(data);
      EnrollmentToken token = client.createEnrollmentToken(600L, "demo " + name);
      Path tokenFile = data.resolve("enroll.token");
      Keys.writeOwnerOnly(tokenFile, token.token());
      agents.add(
          AgentProcess.start(
              name,
              data,
              hub.url(),
              tokenFile,
              publicKey,
              Map.of("fleet", "demo", "line", Integer.toString(i)),
              POLL));
      counters.add(new LoadGenerator.Counters());
    }
    Instant deadline = Instant.now().plusSeconds(90);
    for (AgentProcess agent : agents) {
      endpoints.add(agent.awaitEndpoint(deadline));
    }
    awaitDevices(deadline);
    done(
        "serving on "
            + endpoints.stream().map(u -> u.getHost() + ":" + u.getPort()).toList()
            + ", enrolled as "
            + deviceIdByAgent.values());
  }

  private void awaitDevices(Instant deadline) throws InterruptedException {
    while (true) {
      for (DeviceView device : client.devices()) {
        deviceIdByAgent.put(device.name(), device.id());
      }
      if (agents.stream().allMatch(a -> deviceIdByAgent.containsKey(a.name()))) {
        return;
      }
      requireBefore(deadline, "agents did not all enroll; enrolled: " + deviceIdByAgent.keySet());
      Thread.sleep(100);
    }
  }

  private void rollout(long version) throws InterruptedException {
    begin("Deploy v" + version + " to every device labelled fleet=demo");
    DeploymentView deployment =
        client.deploy(new DeploymentRequest(MODEL, version, SELECTOR, false));
    if (deployment.counts().targeted() != agents.size()) {
      throw new IllegalStateException(
          "deployment targets "
              + deployment.counts().targeted()
              + " devices, expected "
              + agents.size());
    }
    followRollout(deployment.id(), Instant.now().plusSeconds(120), null);
    done("all " + agents.size() + " agents serve v" + version);
  }

  /** Prints each device's state changes until all are active; fails on a failed device. */
  private void followRollout(long deploymentId, Instant deadline, List<LoadGenerator.Counters> load)
      throws InterruptedException {
    Map<String, String> lastState = new HashMap<>();
    while (true) {
      DeploymentView view = client.deployment(deploymentId);
      for (DeviceRollout device : view.devices()) {
        String state = device.state().name();
        if (!state.equals(lastState.put(device.deviceId(), state))) {
          String detail = device.reason() == null ? "" : "(" + device.reason() + ")";
          int index = agentIndex(device.deviceName());
          if (load != null && index >= 0) {
            LoadGenerator.Counters c = load.get(index);
            detail =
                String.format(
                    "%s  %d requests answered so far, %d failed",
                    detail, c.succeeded.get(), c.failed.get());
          }
          out.printf("      %-8s %-8s %s%n", device.deviceName(), state, detail.strip());
        }
        if (device.state() == dev.verge.core.api.RolloutState.FAILED) {
          throw new IllegalStateException(
              device.deviceName() + " failed to install the model: " + device.reason());
        }
      }
      if (view.counts().active() == view.counts().targeted()) {
        return;
      }
      requireAgentsAlive();
      requireBefore(
          deadline,
          "rollout "
              + deploymentId
              + " still has "
              + view.counts().pending()
              + " pending device(s)");
      Thread.sleep(100);
    }
  }

  private void servePredictions() throws IOException, InterruptedException {
    begin("Send " + options.requestsPerAgent() + " inference requests to each agent's local API");
    Random random = new Random(7);
    java.util.Set<Boolean> shown = new java.util.HashSet<>();
    int correct = 0;
    int total = 0;
    for (int i = 0; i < agents.size(); i++) {
      for (int n = 0; n < options.requestsPerAgent(); n++) {
        boolean failing = random.nextDouble() < 0.3;
        double[] reading = PumpModelTrainer.reading(failing, random);
        InferenceClient.Prediction p =
            inference.predict(endpoints.get(i), MODEL, reading, "req-" + i + "-" + n);
        counters.get(i).succeeded.incrementAndGet();
        if (p.version() != 1) {
          throw new IllegalStateException(agents.get(i).name() + " answered from v" + p.version());
        }
        correct += (p.failing() > 0.5) == failing ? 1 : 0;
        total++;
        if (i == 0 && shown.add(failing)) { // One healthy and one failing example.
          out.printf(
              Locale.ROOT,
              "      e.g. %s pump at %.0f °C, %.1f mm/s: %.1f%% failure risk%n",
              failing ? "a failing" : "a healthy",
              reading[0] * 10,
              reading[1],
              p.failing() * 100);
        }
      }
    }
    double accuracy = (double) correct / total;
    if (accuracy < 0.8) {
      throw new IllegalStateException(
          String.format(Locale.ROOT, "the served model was right on only %.1f%%", accuracy * 100));
    }
    done(String.format(Locale.ROOT, "%d predictions, %.1f%% correct", total, accuracy * 100));
  }

  private void awaitSync() throws IOException, InterruptedException {
    begin("Wait until every recorded prediction has reached the hub");
    Instant deadline = Instant.now().plusSeconds(60);
    while (true) {
      long missing = 0;
      long synced = 0;
      for (int i = 0; i < agents.size(); i++) {
        long served = inference.status(endpoints.get(i)).path("predictionsServed").asLong();
        long expected = counters.get(i).succeeded.get();
        if (served != expected) {
          throw new IllegalStateException(
              agents.get(i).name()
                  + " recorded "
                  + served
                  + " predictions, the client got "
                  + expected
                  + " answers");
        }
        long onHub = client.device(deviceIdByAgent.get(agents.get(i).name())).predictionsSynced();
        missing += Math.max(0, served - onHub);
        synced += onHub;
      }
      if (missing == 0) {
        done(synced + " predictions on the hub");
        return;
      }
      requireAgentsAlive();
      requireBefore(deadline, missing + " predictions did not reach the hub");
      Thread.sleep(100);
    }
  }

  @SuppressWarnings("try") // The generator runs for the duration of the block.
  private void upgradeUnderLoad() throws InterruptedException {
    begin("Deploy v2 while every agent keeps serving requests");
    List<LoadGenerator.Counters> load = new ArrayList<>();
    for (int i = 0; i < agents.size(); i++) {
      load.add(new LoadGenerator.Counters());
    }
    long before = total(load);
    try (LoadGenerator generator = new LoadGenerator(inference, MODEL, endpoints, load, 99)) {
      DeploymentView deployment = client.deploy(new DeploymentRequest(MODEL, 2, SELECTOR, false));
      followRollout(deployment.id(), Instant.now().plusSeconds(120), load);
      // Keep the load on until every client has been answered by v2.
      Instant deadline = Instant.now().plusSeconds(30);
      while (load.stream().anyMatch(c -> c.lastVersion.get() != 2)) {
        requireBefore(deadline, "some agents still answer from v1 after the rollout");
        Thread.sleep(50);
      }
    }
    long failed = 0;
    for (int i = 0; i < agents.size(); i++) {
      LoadGenerator.Counters c = load.get(i);
      counters.get(i).succeeded.addAndGet(c.succeeded.get());
      counters.get(i).failed.addAndGet(c.failed.get());
      failed += c.failed.get();
      if (c.failed.get() > 0) {
        out.println(
            "      " + agents.get(i).name() + " failed requests; last error: " + c.lastError);
      }
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " requests failed during the upgrade");
    }
    done((total(load) - before) + " requests during the switch, 0 failed");
  }

  /**
   * Rolls the mislabelled v3 out behind a one-device canary whose gate reads what the model
   * predicts; the hub must roll the canary back to v2 on its own, and no other device may ever
   * receive v3. Returns the rollout's end for the summary.
   */
  @SuppressWarnings("try") // The generator runs for the duration of the block.
  private String stopBadReleaseInCanary() throws InterruptedException {
    begin("Roll v3 out behind a canary gated on what it predicts; the hub must stop it");
    RolloutPlan plan =
        new RolloutPlan(
            "1",
            List.of("100%"),
            Duration.ofSeconds(2),
            Gate.parseList(CANARY_GATE),
            RolloutPlan.OnFail.ROLLBACK,
            1,
            30L,
            Duration.ofMinutes(1));
    out.println("      plan: canary of 1 device, then the rest; gates " + CANARY_GATE);
    List<LoadGenerator.Counters> load = new ArrayList<>();
    for (int i = 0; i < agents.size(); i++) {
      load.add(new LoadGenerator.Counters());
    }
    DeploymentView end;
    try (LoadGenerator generator = new LoadGenerator(inference, MODEL, endpoints, load, 303)) {
      DeploymentView created =
          client.deploy(
              new DeploymentRequest(
                  MODEL, 3, DeploymentRequest.selectorOf(SELECTOR), false, 0, plan, null, null));
      end = followPhases(created.id(), Instant.now().plusSeconds(120));
      Instant deadline = Instant.now().plusSeconds(30);
      while (load.stream().anyMatch(c -> c.lastVersion.get() != 2)) {
        requireBefore(deadline, "some agents do not answer from v2 after the rollback");
        Thread.sleep(50);
      }
    }
    if (end.state() != RolloutPhase.ROLLED_BACK) {
      throw new IllegalStateException(
          "the rollout of v3 ended " + end.state() + " instead of ROLLED_BACK: " + end.reason());
    }
    List<String> canary = new ArrayList<>();
    List<String> spared = new ArrayList<>();
    for (DeviceRollout device : end.devices()) {
      if (device.wave() == 0) {
        canary.add(device.deviceName());
        continue;
      }
      spared.add(device.deviceName());
      boolean received =
          client.device(device.deviceId()).reported().models().stream()
              .anyMatch(m -> m.name().equals(MODEL) && m.installedVersions().contains(3L));
      if (received) {
        throw new IllegalStateException(
            device.deviceName() + " is outside the canary but received v3");
      }
    }
    long failed = 0;
    for (int i = 0; i < agents.size(); i++) {
      counters.get(i).succeeded.addAndGet(load.get(i).succeeded.get());
      counters.get(i).failed.addAndGet(load.get(i).failed.get());
      failed += load.get(i).failed.get();
    }
    if (failed > 0) {
      throw new IllegalStateException(failed + " requests failed during the canary");
    }
    done(
        "v3 rolled back on "
            + canary
            + ", never sent to "
            + spared
            + "; "
            + total(load)
            + " requests, 0 failed");
    return "v3 " + end.state() + " in the canary: " + end.reason();
  }

  /**
   * Starts a far-edge device whose hub link the demo controls, running a pipeline on a synthetic
   * sensor; cuts the link for {@link #OUTAGE} while it keeps predicting, then checks that every
   * prediction and event it made, offline ones included, reaches the hub.
   */
  private void farEdge(Path publicKey) throws IOException, InterruptedException {
    begin("A far-edge device runs a pipeline on a synthetic sensor, offline for part of the run");
    link = LinkSwitch.to(hub.url());
    Path data = Files.createDirectories(work.resolve("agents").resolve(FAR_EDGE));
    Path config = Files.writeString(data.resolve("agent.yaml"), FAR_EDGE_CONFIG);
    Path tokenFile = data.resolve("enroll.token");
    Keys.writeOwnerOnly(tokenFile, client.createEnrollmentToken(600L, "demo far-edge").token());
    farEdge =
        AgentProcess.start(
            FAR_EDGE,
            data,
            link.url(),
            tokenFile,
            publicKey,
            Map.of("fleet", FAR_EDGE),
            POLL,
            config);
    Instant deadline = Instant.now().plusSeconds(90);
    farEdgeEndpoint = farEdge.awaitEndpoint(deadline);
    while (farEdgeId == null) {
      client.devices().stream()
          .filter(d -> d.name().equals(FAR_EDGE))
          .findFirst()
          .ifPresent(d -> farEdgeId = d.id());
      requireBefore(deadline, "the far-edge device did not enroll");
      Thread.sleep(100);
    }
    DeploymentView deployment =
        client.deploy(new DeploymentRequest(MODEL, 2, Map.of("fleet", FAR_EDGE), false));
    while (client.deployment(deployment.id()).counts().active() < 1) {
      requireFarEdgeAlive();
      requireBefore(deadline, "the far-edge device does not serve v2");
      Thread.sleep(100);
    }
    out.println("      far-edge serves v2 from the hub; pipeline pump-watch reads every 200 ms");
    while (pipeline().path("predictions").asLong() < 5) {
      requireFarEdgeAlive();
      requireBefore(deadline, "the pipeline made no predictions: " + pipeline());
      Thread.sleep(50);
    }

    link.down();
    JsonNode atCut = inference.status(farEdgeEndpoint);
    long onHubAtCut = client.device(farEdgeId).predictionsSynced();
    Thread.sleep(OUTAGE.toMillis());
    JsonNode offline = inference.status(farEdgeEndpoint);
    long madeOffline =
        offline.path("predictionsServed").asLong() - atCut.path("predictionsServed").asLong();
    long onHubOffline = client.device(farEdgeId).predictionsSynced();
    if (madeOffline <= 0) {
      throw new IllegalStateException("the pipeline stopped while the hub was unreachable");
    }
    if (onHubOffline > onHubAtCut + atCut.path("predictionsPending").asLong()) {
      throw new IllegalStateException("predictions reached the hub through a cut link");
    }
    out.printf(
        "      link cut for %d s: %d predictions and %d events made, %d and %d kept waiting on the"
            + " device%n",
        OUTAGE.toSeconds(),
        madeOffline,
        firedIn(offline) - firedIn(atCut),
        offline.path("predictionsPending").asLong(),
        offline.path("eventsPending").asLong());

    link.up();
    JsonNode atReconnect = inference.status(farEdgeEndpoint);
    long served = atReconnect.path("predictionsServed").asLong();
    long raised = firedIn(atReconnect);
    Instant syncDeadline = Instant.now().plusSeconds(60);
    long onHub;
    int events;
    while (true) {
      onHub = client.device(farEdgeId).predictionsSynced();
      events = client.events(farEdgeId, -1, 1000).size();
      if (onHub >= served && events >= raised) {
        break;
      }
      requireFarEdgeAlive();
      requireBefore(
          syncDeadline,
          (served - onHub)
              + " predictions and "
              + (raised - events)
              + " events did not reach the"
              + " hub after the link came back");
      Thread.sleep(100);
    }
    farEdgeSummary =
        String.format(
            Locale.ROOT,
            "%s (%s) offline %d s; all %d pipeline predictions and %d events made until the link"
                + " came back reached the hub (%d predictions made offline)",
            FAR_EDGE,
            farEdgeId,
            OUTAGE.toSeconds(),
            served,
            raised,
            madeOffline);
    done(
        String.format(
            Locale.ROOT,
            "all %d predictions and %d events made before the link came back are on the hub,"
                + " the %d made offline included",
            served,
            raised,
            madeOffline));
  }

  /** The far-edge agent's one pipeline, as its status shows it. */
  private JsonNode pipeline() throws IOException, InterruptedException {
    return inference.status(farEdgeEndpoint).path("pipelines").path(0);
  }

  private static long firedIn(JsonNode status) {
    return status.path("pipelines").path(0).path("fired").asLong();
  }

  private void requireFarEdgeAlive() {
    if (!farEdge.isAlive()) {
      throw new IllegalStateException(FAR_EDGE + " exited; see " + farEdge.log());
    }
  }

  /** Prints each phase change of the rollout until it ends. */
  private DeploymentView followPhases(long deploymentId, Instant deadline)
      throws InterruptedException {
    int shown = 0;
    while (true) {
      DeploymentView view = client.deployment(deploymentId);
      for (; shown < view.transitions().size(); shown++) {
        DeploymentView.Transition t = view.transitions().get(shown);
        out.printf(
            "      %s -> %s%s%n",
            t.from() == null ? "" : t.from(), t.to(), t.reason() == null ? "" : ": " + t.reason());
      }
      if (view.state().terminal()) {
        return view;
      }
      requireAgentsAlive();
      requireBefore(deadline, "the rollout of v3 is still " + view.state());
      Thread.sleep(100);
    }
  }

  private List<Row> summary() throws IOException, InterruptedException {
    begin("Summary");
    List<Row> rows = new ArrayList<>();
    Table table =
        new Table(
            "DEVICE",
            "DEVICE ID",
            "ACTIVE VERSION",
            "SERVED",
            "SYNCED",
            "FAILED",
            "RSS",
            "LOCAL API");
    for (int i = 0; i < agents.size(); i++) {
      String id = deviceIdByAgent.get(agents.get(i).name());
      DeviceView device = client.device(id);
      Long active =
          device.reported() == null
              ? null
              : device.reported().models().stream()
                  .filter(m -> m.name().equals(MODEL))
                  .map(ModelReport::activeVersion)
                  .findFirst()
                  .orElse(null);
      JsonNode status = inference.status(endpoints.get(i));
      Row row =
          new Row(
              agents.get(i).name(),
              id,
              active,
              status.path("predictionsServed").asLong(),
              device.predictionsSynced(),
              counters.get(i).failed.get(),
              agents.get(i).residentKib(),
              endpoints.get(i));
      rows.add(row);
      table.row(
          row.device(),
          row.deviceId(),
          row.activeVersion(),
          row.served(),
          row.synced(),
          row.failed(),
          row.residentKib() == null ? null : (row.residentKib() / 1024) + " MiB",
          row.inferenceUrl().resolve("/v2/models/" + MODEL + "/infer"));
    }
    out.println();
    table.print(out);
    out.println();
    if (badRelease != null) {
      out.println("Bad release:  " + badRelease);
    }
    if (farEdgeSummary != null) {
      out.println("Far edge:     " + farEdgeSummary);
    }
    if (options.once() && !options.keepWork()) {
      out.println("Hub " + hub.url() + " and agents stop now (--once); run without it to explore.");
    } else {
      Path token = work.resolve("hub/admin.token");
      out.println("Hub:          " + hub.url() + "  (admin token in " + token + ")");
      out.println("Agents' logs: " + work.resolve("agents"));
      out.println("Try:          curl -s " + endpoints.get(0).resolve("/v2/models/" + MODEL));
      out.println("              ./verge devices --hub " + hub.url() + " --token-file " + token);
    }
    return rows;
  }

  private void waitForInterrupt() throws InterruptedException {
    out.println();
    out.println("The demo keeps running; press Ctrl-C to stop the hub and every agent.");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  out.println("Stopping the agents and the hub...");
                  cleanUp(false);
                  out.println("Stopped; nothing left running.");
                  stopped.countDown();
                }));
    stopped.await();
  }

  private synchronized void cleanUp(boolean failed) {
    if (cleaned) {
      return;
    }
    cleaned = true;
    agents.forEach(AgentProcess::close);
    if (farEdge != null) {
      farEdge.close();
    }
    if (link != null) {
      link.close();
    }
    if (hub != null) {
      hub.close();
    }
    if (work != null && !failed && !options.keepWork()) {
      deleteRecursively(work);
    }
  }

  private int agentIndex(String name) {
    for (int i = 0; i < agents.size(); i++) {
      if (agents.get(i).name().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private void requireAgentsAlive() {
    for (AgentProcess agent : agents) {
      if (!agent.isAlive()) {
        throw new IllegalStateException(agent.name() + " exited; see " + agent.log());
      }
    }
  }

  private static void requireBefore(Instant deadline, String message) {
    if (Instant.now().isAfter(deadline)) {
      throw new IllegalStateException("timed out: " + message);
    }
  }

  private static long total(List<LoadGenerator.Counters> counters) {
    return counters.stream().mapToLong(c -> c.succeeded.get()).sum();
  }

  private long stepStarted;

  private void begin(String what) {
    stepNumber++;
    stepStarted = System.nanoTime();
    out.printf("[%d/%d] %s%n", stepNumber, STEPS + 1, what);
  }

  private void done(String what) {
    out.printf(
        Locale.ROOT, "      ok: %s (%.1f s)%n", what, (System.nanoTime() - stepStarted) / 1e9);
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths
          .sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // Best effort: a temp folder left behind is harmless.
                }
              });
    } catch (IOException ignored) {
      // Same.
    }
  }
}
