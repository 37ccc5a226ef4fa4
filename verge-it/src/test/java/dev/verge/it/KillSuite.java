package dev.verge.it;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import dev.verge.hub.Hub;
import dev.verge.runtime.TestModels;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * kill -9 at random moments: the distribution's agent, enrolled with a real hub, serves predictions
 * in {@code sync} capture mode under steady load while new versions are deployed, and is killed
 * with SIGKILL while it ingests, downloads, installs or has just activated a version. After each
 * kill its store must pass {@code PRAGMA integrity_check} and hold, with the hub, every
 * acknowledged prediction exactly once; each restart must serve a valid model. At the end every
 * acknowledged prediction is at the hub exactly once and the last deployed version serves.
 */
final class KillSuite {
  static final Map<String, String> LABELS = Map.of("fleet", "faults");
  static final Duration START_LIMIT = Duration.ofSeconds(90);
  static final Duration SETTLE_LIMIT = Duration.ofSeconds(90);

  /** Where a kill landed, read from the data folder after it. */
  enum Moment {
    /** Load only, no deployment pending. */
    INGESTING,
    /** A new version deployed, not yet being downloaded. */
    BEFORE_DOWNLOAD,
    /** A {@code .part} file: in the middle of a download. */
    DOWNLOADING,
    /** The bundle whole on disk, the version not active yet: verifying, loading, activating. */
    INSTALLING,
    /** The new version already active. */
    ACTIVATED
  }

  record Options(int kills, long seed, int padBytes) {}

  record Report(
      Options options,
      Map<Moment, Integer> moments,
      long sent,
      int acknowledged,
      List<String> failures,
      Ledger.Check end,
      long restartMeanMillis,
      long restartMaxMillis,
      long deployed,
      long versionAtEnd,
      Duration total) {
    boolean passed() {
      return failures.isEmpty() && end.clean() && versionAtEnd == deployed;
    }

    void print(PrintStream out) {
      out.printf(
          "kill -9: %d kills, seed %d, bundles of %d KiB%n",
          options.kills(), options.seed(), options.padBytes() / 1024);
      moments.forEach((m, n) -> out.printf("  %-16s %d kills%n", m, n));
      out.printf(
          "  predictions sent %d, acknowledged %d; at the hub at the end: %s%n",
          sent, acknowledged, end);
      out.printf(
          "  restart to a valid answer: mean %d ms, max %d ms; versions deployed up to v%d,"
              + " serving v%d at the end%n",
          restartMeanMillis, restartMaxMillis, deployed, versionAtEnd);
      out.printf("  failures: %d %s%n", failures.size(), failures.stream().limit(10).toList());
      out.printf("  time: %d s — %s%n", total.toSeconds(), passed() ? "PASSED" : "FAILED");
    }
  }

  private KillSuite() {}

  static Report run(Path root, Options options, PrintStream log) throws Exception {
    long began = System.nanoTime();
    Random random = new Random(options.seed());
    List<String> failures = new ArrayList<>();
    Map<Moment, Integer> moments = new EnumMap<>(Moment.class);
    Ledger ledger = new Ledger();
    long restartSum = 0;
    long restartMax = 0;
    long sent = 0;
    try (Fleet fleet = new Fleet(root);
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
      Fleet.Publisher publisher = fleet.publisher("faults", true);
      Path hubStore = root.resolve("hub").resolve(Hub.DATABASE_FILE);
      long version = 1;
      publish(fleet, publisher, version, options.padBytes(), random);
      fleet.deploy(Load.MODEL, version, LABELS);
      Path token = root.resolve("enroll.token");
      Files.writeString(token, fleet.admin.createEnrollmentToken(600L, "faults").token());
      AgentProcess agent =
          new AgentProcess(
              Installed.archive(),
              root.resolve("device"),
              List.of(
                  "--hub=" + fleet.hub.url(),
                  "--name=faults",
                  "--label=fleet=faults",
                  "--enroll-token-file=" + token,
                  "--trust=" + publisher.publicKey(),
                  "--poll-interval=200ms",
                  "--forward-interval=200ms",
                  "--capture-mode=sync",
                  "--capture-max-rate=0"));
      try (agent) {
        URI url = agent.start(START_LIMIT);
        Load.validAnswer(http, url, SETTLE_LIMIT);
        try (Load load = new Load(ledger, "k" + options.seed(), 2)) {
          load.target(url);
          for (int kill = 1; kill <= options.kills(); kill++) {
            int kind = kill % 3;
            String digest = null;
            if (kind == 0) {
              Thread.sleep(100 + random.nextInt(900));
            } else {
              version++;
              digest = publish(fleet, publisher, version, options.padBytes(), random);
              fleet.deploy(Load.MODEL, version, LABELS);
              // Short waits land before or in the download, long ones in installing or after.
              Thread.sleep(kind == 1 ? random.nextInt(400) : 200 + random.nextInt(1800));
            }
            agent.kill();
            load.target(null);
            Moment moment = kind == 0 ? Moment.INGESTING : moment(agent, version, digest);
            moments.merge(moment, 1, Integer::sum);

            Ledger.Store device = Ledger.deviceStore(agent.store());
            Ledger.Store hub = Ledger.hubStore(hubStore);
            if (!device.intact()) {
              failures.add(
                  "kill " + kill + " (" + moment + "): device store " + device.integrity());
            }
            if (!hub.intact()) {
              failures.add("kill " + kill + ": hub store " + hub.integrity());
            }
            Ledger.Check check = ledger.check(device, hub);
            if (!check.clean()) {
              failures.add("kill " + kill + " (" + moment + "): " + check);
            }

            long restart = System.nanoTime();
            try {
              url = agent.start(START_LIMIT);
              long serving = Load.validAnswer(http, url, SETTLE_LIMIT);
              if (serving < 1 || serving > version) {
                failures.add("kill " + kill + ": serves v" + serving + ", never deployed");
              }
            } catch (AssertionError | IllegalStateException e) {
              failures.add(
                  "kill " + kill + " (" + moment + "): no valid model after restart: " + e);
              agent.kill();
              url = agent.start(START_LIMIT);
            }
            long millis = (System.nanoTime() - restart) / 1_000_000;
            restartSum += millis;
            restartMax = Math.max(restartMax, millis);
            load.target(url);
            log.printf(
                "kill %d/%d %-15s acknowledged %d, restart %d ms%s%n",
                kill,
                options.kills(),
                moment,
                ledger.size(),
                millis,
                failures.isEmpty() ? "" : ", failures " + failures.size());
          }
          Thread.sleep(300);
          load.target(null);
          sent = load.sent();
        }
        Ledger.Check end = settle(ledger, hubStore);
        long servingAtEnd = servingAtEnd(http, url, version);
        agent.close();
        Ledger.Store device = Ledger.deviceStore(agent.store());
        if (!device.intact()) {
          failures.add("at the end: device store " + device.integrity());
        }
        Ledger.Check stored = ledger.check(device, Ledger.hubStore(hubStore));
        if (!stored.duplicated().isEmpty()) {
          failures.add("at the end: " + stored);
        }
        return new Report(
            options,
            moments,
            sent,
            ledger.size(),
            failures,
            end,
            restartSum / Math.max(1, options.kills()),
            restartMax,
            version,
            servingAtEnd,
            Duration.ofNanos(System.nanoTime() - began));
      }
    }
  }

  /** Waits until the hub holds every acknowledged prediction; answers the last check. */
  private static Ledger.Check settle(Ledger ledger, Path hubStore) throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    Ledger.Check check = ledger.checkHub(Ledger.hubStore(hubStore));
    while (!check.lost().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(200);
      check = ledger.checkHub(Ledger.hubStore(hubStore));
    }
    return check;
  }

  /** Waits until the last deployed version serves; answers the version serving then. */
  private static long servingAtEnd(HttpClient http, URI agent, long deployed)
      throws InterruptedException {
    long deadline = System.nanoTime() + SETTLE_LIMIT.toNanos();
    long serving = Load.validAnswer(http, agent, SETTLE_LIMIT);
    while (serving != deployed && System.nanoTime() < deadline) {
      Thread.sleep(200);
      serving = Load.validAnswer(http, agent, SETTLE_LIMIT);
    }
    return serving;
  }

  /** Where the kill landed for the version with bundle {@code digest} just deployed. */
  private static Moment moment(AgentProcess agent, long version, String digest) {
    Path bundles = agent.data().resolve("bundles");
    if (activeVersion(agent.store()) == version) {
      return Moment.ACTIVATED;
    }
    if (Files.exists(bundles.resolve(digest + ".vbundle"))) {
      return Moment.INSTALLING;
    }
    return Files.exists(bundles.resolve(digest + ".part"))
        ? Moment.DOWNLOADING
        : Moment.BEFORE_DOWNLOAD;
  }

  private static long activeVersion(Path store) {
    try (var c = java.sql.DriverManager.getConnection("jdbc:sqlite:file:" + store + "?mode=ro");
        var s = c.createStatement();
        var r = s.executeQuery("SELECT active_version FROM models WHERE name = 'pump'")) {
      return r.next() ? r.getLong(1) : -1;
    } catch (java.sql.SQLException e) {
      return -1;
    }
  }

  /**
   * Publishes {@code version} of the model, padded to about {@code padBytes}, then drops its files;
   * answers its bundle's digest.
   */
  static String publish(
      Fleet fleet, Fleet.Publisher publisher, long version, int padBytes, Random random)
      throws IOException {
    Path bundle =
        fleet.bundle(Load.MODEL, version, padded(1f + version / 100f, padBytes, random), publisher);
    String digest = fleet.admin.publish(bundle, bytes -> {}).bundleDigest();
    Files.deleteIfExists(bundle);
    Files.deleteIfExists(bundle.resolveSibling(Load.MODEL + "-" + version + ".onnx"));
    return digest;
  }

  /**
   * {@link TestModels#logistic(float)} with an unused initializer of random bytes, so that its
   * bundle takes a while to download and check (ONNX Runtime drops the initializer on load).
   */
  static byte[] padded(float bias, int padBytes, Random random) throws IOException {
    ModelProto model = ModelProto.parseFrom(TestModels.logistic(bias));
    if (padBytes < 4) {
      return model.toByteArray();
    }
    byte[] pad = new byte[padBytes & ~3];
    random.nextBytes(pad);
    TensorProto initializer =
        TensorProto.newBuilder()
            .setName("pad")
            .setDataType(TensorProto.DataType.FLOAT.getNumber())
            .addDims(pad.length / 4)
            .setRawData(ByteString.copyFrom(pad))
            .build();
    return model.toBuilder()
        .setGraph(model.getGraph().toBuilder().addInitializer(initializer))
        .build()
        .toByteArray();
  }
}
