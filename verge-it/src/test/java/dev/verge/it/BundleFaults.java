package dev.verge.it;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import dev.verge.cli.client.HubClientException;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.PendingTarget;
import dev.verge.core.bundle.Digests;
import dev.verge.core.bundle.Manifest;
import dev.verge.core.signing.Keys;
import dev.verge.hub.Hub;
import dev.verge.hub.model.ModelRegistry;
import dev.verge.hub.model.ModelVersion;
import dev.verge.hub.model.SqlModelStore;
import dev.verge.hub.store.Database;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Bad bundles sent to a real agent process: the distribution's {@code bin/verge agent}, enrolled
 * with a real hub through a {@link ChaosProxy}, serves a good version under client load while the
 * hub, in turn, deploys a version whose manifest is padded to 1 GiB, one whose model is larger than
 * the agent's {@code max-model-mb}, one whose download stalls mid-body, one ONNX Runtime cannot
 * load, one that takes the process down while it loads (SIGKILL at the load step, on each run), and
 * one whose error rate passes the health check's limit. After each the process must be alive (or
 * restarted by the harness after its kill), its sync loop too (the hub sees it again), the last
 * good version must answer valid predictions, no acknowledged prediction may be lost, and the store
 * must pass {@code PRAGMA integrity_check}. Each round ends with a good version that must deploy
 * and serve.
 */
final class BundleFaults {
  static final String DEVICE = "bundles";
  static final long MAX_MODEL_MIB = 8;

  /** A stall of the download body longer than this is the device's to notice. */
  static final Duration IDLE_TIMEOUT = Duration.ofSeconds(2);

  /** The boot counter: runs a version may take on trial or in its load before it is distrusted. */
  static final int MAX_RUNS = 2;

  /** Each scenario's outcome must show within this. */
  static final Duration LIMIT = Duration.ofSeconds(90);

  private static final long GIB = 1L << 30;
  private static final int MIB = 1 << 20;

  /** What one scenario did, for the summary line. */
  record Outcome(
      String scenario,
      long version,
      String what,
      long millis,
      int acknowledged,
      int lost,
      int duplicated,
      String integrity,
      List<String> failures) {
    boolean passed() {
      return failures.isEmpty() && lost == 0 && duplicated == 0 && integrity.equals("ok");
    }
  }

  record Report(
      long seed,
      int rounds,
      List<Outcome> outcomes,
      long sent,
      Ledger.Check end,
      String deviceIntegrity,
      List<String> failures,
      long deployed,
      long serving,
      int kills,
      Duration total) {
    boolean passed() {
      return failures.isEmpty()
          && outcomes.stream().allMatch(Outcome::passed)
          && end.clean()
          && deviceIntegrity.equals("ok")
          && serving == deployed;
    }

    void print(PrintStream out) {
      out.printf(
          "bad bundles: %d round(s), seed %d, %d scenarios, %d kills of the agent%n",
          rounds, seed, outcomes.size(), kills);
      for (Outcome o : outcomes) {
        out.printf(
            "  %-16s v%-3d %s in %.1f s; acknowledged %d, lost %d, duplicated %d; store %s — %s%n",
            o.scenario(),
            o.version(),
            o.what(),
            o.millis() / 1000.0,
            o.acknowledged(),
            o.lost(),
            o.duplicated(),
            o.integrity(),
            o.passed() ? "ok" : "FAILED " + o.failures());
      }
      out.printf(
          "  predictions sent %d; at the hub at the end: %s; device store %s%n",
          sent, end, deviceIntegrity);
      out.printf(
          "  versions deployed up to v%d, serving v%d at the end; failures %d %s%n",
          deployed, serving, failures.size(), failures.stream().limit(10).toList());
      out.printf("  time: %d s — %s%n", total.toSeconds(), passed() ? "PASSED" : "FAILED");
    }
  }

  private final Fleet fleet;
  private final ChaosProxy proxy;
  private final Fleet.Publisher publisher;
  private final AgentProcess agent;
  private final Ledger ledger;
  private final Load load;
  private final HttpClient http;
  private final Random random;
  private final PrintStream log;
  private final Path hubStore;
  private URI url;
  private long version;
  private long good;
  private int kills;

  private BundleFaults(
      Fleet fleet,
      ChaosProxy proxy,
      Fleet.Publisher publisher,
      AgentProcess agent,
      Ledger ledger,
      Load load,
      HttpClient http,
      Random random,
      PrintStream log) {
    this.fleet = fleet;
    this.proxy = proxy;
    this.publisher = publisher;
    this.agent = agent;
    this.ledger = ledger;
    this.load = load;
    this.http = http;
    this.random = random;
    this.log = log;
    this.hubStore = fleet.hub.dataDir().resolve(Hub.DATABASE_FILE);
  }

  static Report run(Path root, int rounds, long seed, PrintStream log) throws Exception {
    long began = System.nanoTime();
    Random random = new Random(seed);
    Ledger ledger = new Ledger();
    List<Outcome> outcomes = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try (Fleet fleet = new Fleet(root);
        ChaosProxy proxy = new ChaosProxy(fleet.hub.url());
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
      Fleet.Publisher publisher = fleet.publisher("faults", true);
      KillSuite.publish(fleet, publisher, 1, 64 * 1024, random);
      fleet.deploy(Load.MODEL, 1, KillSuite.LABELS);
      Path token = root.resolve("enroll.token");
      Files.writeString(token, fleet.admin.createEnrollmentToken(600L, DEVICE).token());
      AgentProcess agent =
          new AgentProcess(
              Installed.archive(),
              root.resolve("device"),
              List.of(
                  "--hub=" + proxy.url(),
                  "--name=" + DEVICE,
                  "--label=fleet=faults",
                  "--enroll-token-file=" + token,
                  "--trust=" + publisher.publicKey(),
                  "--poll-interval=200ms",
                  "--forward-interval=200ms",
                  "--capture-mode=sync",
                  "--capture-max-rate=0",
                  "--max-model-mb=" + MAX_MODEL_MIB,
                  "--download-idle-timeout=" + IDLE_TIMEOUT.toMillis() + "ms",
                  "--update-max-runs=" + MAX_RUNS));
      long sent;
      Ledger.Check end;
      long serving;
      BundleFaults suite;
      try (agent;
          Load load = new Load(ledger, "b" + seed, 2)) {
        suite = new BundleFaults(fleet, proxy, publisher, agent, ledger, load, http, random, log);
        suite.url = agent.start(KillSuite.START_LIMIT);
        suite.version = 1;
        suite.good = 1;
        Load.validAnswer(http, suite.url, KillSuite.SETTLE_LIMIT);
        load.target(suite.url);
        suite.awaitCommitted(1);
        for (int round = 1; round <= rounds; round++) {
          for (Scenario scenario : Scenario.values()) {
            Outcome outcome = suite.attempt(scenario);
            outcomes.add(outcome);
            log.printf(
                "round %d %-16s v%d %s in %d ms%s%n",
                round,
                outcome.scenario(),
                outcome.version(),
                outcome.what(),
                outcome.millis(),
                outcome.passed() ? "" : " FAILED " + outcome.failures());
          }
        }
        load.target(null);
        sent = load.sent();
        end = settle(ledger, suite.hubStore);
        serving = Load.validAnswer(http, suite.url, KillSuite.SETTLE_LIMIT);
      }
      Ledger.Store device = Ledger.deviceStore(agent.store());
      Ledger.Check stored = ledger.check(device, Ledger.hubStore(suite.hubStore));
      if (!stored.duplicated().isEmpty()) {
        failures.add("at the end: " + stored);
      }
      return new Report(
          seed,
          rounds,
          outcomes,
          sent,
          end,
          device.integrity(),
          failures,
          suite.version,
          serving,
          suite.kills,
          Duration.ofNanos(System.nanoTime() - began));
    }
  }

  /** The scenarios of a round, in order; the last deploys a good version. */
  enum Scenario {
    MANIFEST_1GIB("manifest-1GiB"),
    MODEL_TOO_LARGE("model>max"),
    STALLED_BODY("stalled-body"),
    FAILS_TO_LOAD("fails-to-load"),
    CRASHES_ON_LOAD("crash-on-load"),
    ERROR_RATE("error-rate"),
    GOOD("good-version");

    final String label;

    Scenario(String label) {
      this.label = label;
    }
  }

  /** Runs one scenario and the checks after it; a failure is the outcome's, not the run's end. */
  private Outcome attempt(Scenario scenario) throws Exception {
    version++;
    Instant began = Instant.now();
    long start = System.nanoTime();
    List<String> failures = new ArrayList<>();
    String what;
    try {
      what =
          switch (scenario) {
            case MANIFEST_1GIB -> paddedManifest();
            case MODEL_TOO_LARGE -> modelTooLarge();
            case STALLED_BODY -> stalledBody();
            case FAILS_TO_LOAD -> failsToLoad();
            case CRASHES_ON_LOAD -> crashesOnLoad();
            case ERROR_RATE -> errorRate();
            case GOOD -> goodVersion();
          };
    } catch (InterruptedException e) {
      throw e;
    } catch (AssertionError | Exception e) {
      what = "broke: " + e.getMessage();
      failures.add(e.toString());
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    // The loop is alive end to end: the process runs, the hub hears from it after the scenario
    // began, the last good version answers valid predictions.
    if (!agent.alive()) {
      failures.add("the agent process is not running:\n" + agent.tail());
      url = agent.start(KillSuite.START_LIMIT);
      load.target(url);
    }
    try {
      awaitDevice(
          "the hub hears from the device after " + began,
          d -> d.lastSeenAt() != null && d.lastSeenAt().isAfter(began));
      long serving = Load.validAnswer(http, url, KillSuite.SETTLE_LIMIT);
      if (serving != good) {
        failures.add("serves v" + serving + ", not the last good version v" + good);
      }
    } catch (AssertionError | RuntimeException e) {
      failures.add(e.toString());
    }
    Set<String> acknowledged = ledger.ids();
    Ledger.Store device = Ledger.liveStore(agent.store());
    Ledger.Check check = ledger.check(acknowledged, device, Ledger.hubStore(hubStore));
    if (!check.clean()) {
      failures.add(check.toString());
    }
    return new Outcome(
        scenario.label,
        version,
        what,
        millis,
        check.acknowledged(),
        check.lost().size(),
        check.duplicated().size(),
        device.integrity(),
        failures);
  }

  // The scenarios. Each answers what happened; each throws AssertionError on what it must not see.

  /**
   * A manifest padded with 1 GiB of spaces after its JSON: the signature covers the canonical
   * bytes, so it stays valid, and deflate packs it into about 1 MB. The hub refuses it on publish,
   * so it is put into the hub's store as a hub that did not check would hold it (an older hub, a
   * restored backup): the device must hold its own bound.
   */
  private String paddedManifest() throws IOException, InterruptedException {
    Path valid = fleet.bundle(Load.MODEL, version, KillSuite.padded(1f, 0, random), publisher);
    Path padded = valid.resolveSibling(Load.MODEL + "-" + version + "-padded.vbundle");
    padManifest(valid, padded, GIB);
    try {
      fleet.admin.publish(padded, bytes -> {});
      throw new AssertionError("the hub published a bundle whose manifest is 1 GiB");
    } catch (HubClientException e) {
      if (!e.code().equals("INVALID_MANIFEST")
          || !e.getMessage().contains("manifest.json is larger than")) {
        throw new AssertionError("the hub refused the padded bundle for another reason: " + e);
      }
    }
    long size = Files.size(padded);
    plant(padded);
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    ModelReport refused = awaitFailed("manifest.json is larger than");
    long millis = (System.nanoTime() - deployed) / 1_000_000;
    Files.deleteIfExists(padded);
    Files.deleteIfExists(valid);
    return String.format(
        "refused by the hub on publish, and by the device (%.1f MB bundle) after %d ms: %s",
        size / 1e6, millis, refused.error());
  }

  /** A model of about 1.5 times {@code max-model-mb}: refused before its bytes are read. */
  private String modelTooLarge() throws IOException, InterruptedException {
    int bytes = (int) (MAX_MODEL_MIB * MIB * 3 / 2);
    KillSuite.publish(fleet, publisher, version, bytes, random);
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    ModelReport refused = awaitFailed("(max-model-mb)");
    return String.format(
        "refused after %d ms: %s", (System.nanoTime() - deployed) / 1_000_000, refused.error());
  }

  /**
   * A good 4 MiB version whose download body stops after 0.5-2.5 MiB and moves no byte while the
   * device reports: its download times out, the device shows it retrying and goes on being seen by
   * the hub; once the link heals the download resumes (a Range request) and the version serves.
   */
  private String stalledBody() throws IOException, InterruptedException {
    KillSuite.publish(fleet, publisher, version, 4 * MIB, random);
    long allowance = MIB / 2 + random.nextInt(2 * MIB);
    long ranges = proxy.rangeRequests();
    proxy.stallDownloadsAfter(allowance);
    long heal;
    String detail;
    long seenAt;
    try {
      long deployed = System.nanoTime();
      fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
      DeviceView retrying =
          awaitDevice(
              "v" + version + " retrying after its stalled download",
              d ->
                  model(d)
                      .map(ModelReport::pending)
                      .filter(p -> p.version() == version)
                      .filter(p -> p.phase() == PendingTarget.Phase.RETRYING)
                      .isPresent());
      detail = model(retrying).map(ModelReport::pending).map(PendingTarget::detail).orElse("");
      seenAt = (System.nanoTime() - deployed) / 1_000_000;
      // The sync loop goes on while the download is held: the hub hears from the device again.
      Instant seen = retrying.lastSeenAt();
      awaitDevice("the device seen again during the stall", d -> d.lastSeenAt().isAfter(seen));
      if (proxy.downloadStalls() == 0) {
        throw new AssertionError("the proxy held no download body");
      }
      if (servingVersion() != good) {
        throw new AssertionError("v" + version + " serves though its download stalled");
      }
    } finally {
      heal = System.nanoTime();
      proxy.stallDownloadsAfter(-1);
    }
    awaitDevice(
        "v" + version + " serving after the link healed",
        d -> model(d).map(ModelReport::activeVersion).filter(v -> v == version).isPresent());
    long healed = (System.nanoTime() - heal) / 1_000_000;
    if (proxy.rangeRequests() == ranges) {
      throw new AssertionError("the download started over instead of resuming with a Range");
    }
    good = version;
    awaitCommitted(version);
    return String.format(
        "stalled after %d KiB, retrying after %d ms (%s), served %d ms after healing, %d Range"
            + " requests",
        allowance / 1024, seenAt, detail, healed, proxy.rangeRequests() - ranges);
  }

  /** A validly signed bundle whose graph names an operator ONNX Runtime does not have. */
  private String failsToLoad() throws IOException, InterruptedException {
    ModelProto logistic = ModelProto.parseFrom(TestModels.logistic(1f));
    OnnxEngine.Signature signature = fleet.engine.inspect(logistic.toByteArray());
    NodeProto softmax = logistic.getGraph().getNode(1);
    byte[] broken =
        logistic.toBuilder()
            .setGraph(
                logistic.getGraph().toBuilder()
                    .setNode(1, softmax.toBuilder().setOpType("NoSuchOperator")))
            .build()
            .toByteArray();
    Path bundle = fleet.bundle(Load.MODEL, version, broken, signature, publisher);
    fleet.admin.publish(bundle, bytes -> {});
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    ModelReport refused = awaitFailed("model load failed");
    long millis = (System.nanoTime() - deployed) / 1_000_000;
    stillRefused();
    return String.format("refused after %d ms: %s", millis, refused.error());
  }

  /**
   * A good-looking 6 MiB version whose load the harness ends with SIGKILL on every run, as a crash
   * in the runtime would: killed once the journal shows it loading (or serving on trial after a
   * start), started again, until the boot counter distrusts it.
   */
  private String crashesOnLoad() throws Exception {
    KillSuite.publish(fleet, publisher, version, 6 * MIB, random);
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    List<String> steps = new ArrayList<>();
    int runs = 0;
    while (refusal(version).isEmpty()) {
      if (steps.size() > MAX_RUNS + 1) {
        throw new AssertionError(
            "v" + version + " not refused after " + steps.size() + " crashes: " + steps);
      }
      Journal seen = awaitRun(version, runs);
      agent.kill();
      kills++;
      load.target(null);
      steps.add(seen.step() + "#" + seen.runs());
      runs = seen.runs();
      Ledger.Store crashed = Ledger.deviceStore(agent.store());
      if (!crashed.intact()) {
        throw new AssertionError("store after the kill in " + seen + ": " + crashed.integrity());
      }
      Ledger.Check check = ledger.check(crashed, Ledger.hubStore(hubStore));
      if (!check.clean()) {
        throw new AssertionError("after the kill in " + seen + ": " + check);
      }
      url = agent.start(KillSuite.START_LIMIT);
      load.target(url);
    }
    ModelReport refused = awaitFailed("times");
    long millis = (System.nanoTime() - deployed) / 1_000_000;
    stillRefused();
    return String.format("killed in %s, refused after %d ms: %s", steps, millis, refused.error());
  }

  /** A version that fails inside ONNX Runtime for about half of the load's inputs. */
  private String errorRate() throws IOException, InterruptedException {
    fleet.publish(Load.MODEL, version, TestModels.failsOnLargeInputs(), publisher);
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    ModelReport refused = awaitFailed("health check failed");
    long millis = (System.nanoTime() - deployed) / 1_000_000;
    stillRefused();
    return String.format("rolled back after %d ms: %s", millis, refused.error());
  }

  /** A good version deploys and serves: the loop is alive end to end. */
  private String goodVersion() throws IOException, InterruptedException {
    KillSuite.publish(fleet, publisher, version, MIB, random);
    long deployed = System.nanoTime();
    fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
    awaitDevice(
        "v" + version + " serving",
        d -> model(d).map(ModelReport::activeVersion).filter(v -> v == version).isPresent());
    long millis = (System.nanoTime() - deployed) / 1_000_000;
    good = version;
    awaitCommitted(version);
    return String.format("serving after %d ms, committed by its health check", millis);
  }

  // What the device and the hub show.

  /** The hub shows the device failed the current version with {@code reason} in its error. */
  private ModelReport awaitFailed(String reason) throws InterruptedException {
    DeviceView view =
        awaitDevice(
            "the hub shows v" + version + " failed",
            d ->
                model(d)
                    .filter(m -> m.failedVersion() != null && m.failedVersion() == version)
                    .isPresent());
    ModelReport report = model(view).orElseThrow();
    if (report.error() == null || !report.error().contains(reason)) {
      throw new AssertionError(
          "v" + version + " failed, but not for '" + reason + "': " + report.error());
    }
    if (report.activeVersion() == null || report.activeVersion() != good) {
      throw new AssertionError(
          "after v" + version + " failed the device serves v" + report.activeVersion());
    }
    return report;
  }

  /**
   * A version the device refused itself stays refused while the hub asks for it: after ten polls it
   * is still in {@code refused_versions}, the hub still shows it failed, and the good one serves.
   */
  private void stillRefused() throws InterruptedException {
    if (refusal(version).isEmpty()) {
      throw new AssertionError("v" + version + " is not among the device's refused versions");
    }
    Thread.sleep(2_000);
    if (refusal(version).isEmpty()) {
      throw new AssertionError("v" + version + " is no longer refused while the hub asks for it");
    }
    ModelReport report = model(device()).orElseThrow();
    if (report.failedVersion() == null
        || report.failedVersion() != version
        || report.activeVersion() == null
        || report.activeVersion() != good) {
      throw new AssertionError("v" + version + " was tried again: " + report);
    }
  }

  private DeviceView awaitDevice(String what, Predicate<DeviceView> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    DeviceView last = null;
    while (System.nanoTime() < deadline) {
      last = device();
      if (last != null && condition.test(last)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "timed out after " + LIMIT + " waiting until " + what + "; the hub shows " + last);
  }

  private DeviceView device() {
    return fleet.admin.devices().stream()
        .filter(d -> d.name().equals(DEVICE))
        .findFirst()
        .orElse(null);
  }

  private static Optional<ModelReport> model(DeviceView device) {
    if (device == null || device.reported() == null) {
      return Optional.empty();
    }
    return device.reported().models().stream().filter(m -> m.name().equals(Load.MODEL)).findFirst();
  }

  private long servingVersion() throws InterruptedException {
    return Load.validAnswer(http, url, KillSuite.SETTLE_LIMIT);
  }

  /** One row of the device's installation journal. */
  private record Journal(String step, int runs, boolean onTrial) {}

  /**
   * Waits until the journal shows {@code v} in a run after {@code runs}: loading, activating, or
   * serving on trial after a start; polls every 2 ms, so the kill lands in the load.
   */
  private Journal awaitRun(long v, int runs) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    try (Connection c = readOnly(agent.store());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT step, runs, on_trial FROM install_journal WHERE model = ? AND version = ?"
                    + " AND step IN ('LOAD', 'ACTIVATE', 'HEALTH') AND runs > ?")) {
      s.setString(1, Load.MODEL);
      s.setLong(2, v);
      s.setInt(3, runs);
      while (System.nanoTime() < deadline) {
        try (ResultSet r = s.executeQuery()) {
          if (r.next()) {
            return new Journal(r.getString(1), r.getInt(2), r.getInt(3) == 1);
          }
        } catch (SQLException e) {
          // Busy for a moment while the agent writes; ask again.
        }
        Thread.sleep(2);
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot read the device's journal: " + e, e);
    }
    throw new AssertionError("v" + v + " never loaded in a run after run " + runs);
  }

  /** The device's own refusal of {@code v}: its check and reason, if it refused it. */
  private Optional<String> refusal(long v) {
    try (Connection c = readOnly(agent.store());
        PreparedStatement s =
            c.prepareStatement(
                "SELECT check_name, reason FROM refused_versions WHERE model = ? AND version = ?")) {
      s.setString(1, Load.MODEL);
      s.setLong(2, v);
      try (ResultSet r = s.executeQuery()) {
        return r.next() ? Optional.of(r.getString(1) + ": " + r.getString(2)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw new AssertionError("cannot read the device's refused versions: " + e, e);
    }
  }

  /** Waits until {@code v} is active and its health check committed it (no trial left). */
  private void awaitCommitted(long v) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (System.nanoTime() < deadline) {
      try (Connection c = readOnly(agent.store());
          var s = c.createStatement();
          ResultSet r =
              s.executeQuery(
                  "SELECT (SELECT active_version FROM models WHERE name = 'pump'),"
                      + " (SELECT count(*) FROM install_journal WHERE model = 'pump'"
                      + " AND on_trial = 1)")) {
        if (r.next() && r.getLong(1) == v && r.getInt(2) == 0) {
          return;
        }
      } catch (SQLException e) {
        // Busy for a moment; ask again.
      }
      Thread.sleep(100);
    }
    throw new AssertionError("v" + v + " was not committed by its health check within " + LIMIT);
  }

  private static Connection readOnly(Path store) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:file:" + store + "?mode=ro");
  }

  // Making the bad bundles.

  /**
   * Copies {@code bundle} with {@code padding} spaces after its manifest's JSON, streaming: the
   * padding is never in memory.
   */
  static void padManifest(Path bundle, Path out, long padding) throws IOException {
    byte[] spaces = new byte[MIB];
    java.util.Arrays.fill(spaces, (byte) ' ');
    try (ZipInputStream in = new ZipInputStream(Files.newInputStream(bundle));
        ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
      for (ZipEntry entry; (entry = in.getNextEntry()) != null; ) {
        zip.putNextEntry(new ZipEntry(entry.getName()));
        in.transferTo(zip);
        if (entry.getName().equals(Manifest.FILE_NAME)) {
          for (long left = padding; left > 0; left -= spaces.length) {
            zip.write(spaces, 0, (int) Math.min(spaces.length, left));
          }
        }
        zip.closeEntry();
      }
    }
  }

  /**
   * Puts {@code bundle} into the hub as a published version through the hub's own store, the way a
   * hub that had not checked it would hold it: the bundle file under its digest and its row.
   */
  private void plant(Path bundle) throws IOException {
    String digest;
    try (InputStream in = Files.newInputStream(bundle)) {
      digest = Digests.sha256Hex(in);
    }
    Path target =
        fleet.hub.dataDir().resolve(Hub.BUNDLES_DIR).resolve(digest + ModelRegistry.BUNDLE_SUFFIX);
    try (OutputStream out = Files.newOutputStream(target)) {
      Files.copy(bundle, out);
    }
    OnnxEngine.Signature signature = fleet.engine.inspect(TestModels.logistic(1f));
    String keyId = Keys.readPublic(publisher.publicKey()).keyId();
    try (Database db = Database.openSqlite(hubStore)) {
      new SqlModelStore(db)
          .addModelVersion(
              new ModelVersion(
                  Load.MODEL,
                  version,
                  digest,
                  Files.size(bundle),
                  keyId,
                  Instant.now(),
                  signature.inputs(),
                  signature.outputs(),
                  Map.of()));
    }
  }

  /** Waits until the hub holds every acknowledged prediction; answers the last check. */
  private static Ledger.Check settle(Ledger ledger, Path hubStore) throws InterruptedException {
    long deadline = System.nanoTime() + KillSuite.SETTLE_LIMIT.toNanos();
    Ledger.Check check = ledger.checkHub(Ledger.hubStore(hubStore));
    while (!check.lost().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      check = ledger.checkHub(Ledger.hubStore(hubStore));
    }
    return check;
  }
}
