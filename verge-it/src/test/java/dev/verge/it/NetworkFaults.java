package dev.verge.it;

import dev.verge.agent.Agent;
import dev.verge.agent.AgentConfig;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.hub.Hub;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The network between an agent and its hub goes bad for long stretches: every byte passes through a
 * {@link ChaosProxy} that, by a seeded schedule, drops, delays, truncates, stalls and resets
 * connections, while the agent serves predictions in {@code sync} capture mode and new versions are
 * deployed. Then the link heals, and within a bound every acknowledged prediction must be at the
 * hub exactly once and the last deployed version must serve: downloads finish, forwarding and sync
 * never hang.
 */
final class NetworkFaults {
  /** After the link heals, everything must have arrived within this. */
  static final Duration HEAL_LIMIT = Duration.ofSeconds(90);

  record Report(
      long seed,
      int seconds,
      Map<ChaosProxy.Fault, Long> stretchMillis,
      Map<ChaosProxy.Fault, Long> hits,
      long connections,
      long sent,
      Ledger.Check hub,
      Ledger.Check device,
      String deviceIntegrity,
      long deployed,
      long serving,
      long healMillis) {
    boolean passed() {
      return hub.clean()
          && device.duplicated().isEmpty()
          && deviceIntegrity.equals("ok")
          && serving == deployed;
    }

    void print(PrintStream out) {
      out.printf(
          "network faults: %d s, seed %d, %d connections through the proxy%n",
          seconds, seed, connections);
      stretchMillis.forEach(
          (f, ms) -> out.printf("  %-8s %6.1f s, %d hits%n", f, ms / 1000.0, hits.get(f)));
      out.printf("  predictions sent %d; at the hub: %s%n", sent, hub);
      out.printf(
          "  versions deployed up to v%d, serving v%d; everything in %d ms after the link healed%n",
          deployed, serving, healMillis);
      out.printf("  device store %s — %s%n", deviceIntegrity, passed() ? "PASSED" : "FAILED");
    }
  }

  private NetworkFaults() {}

  /**
   * @param seconds how long the faults last (every fault in turn, shuffled; each stretch 1-8 s in
   *     runs under 5 min, else 1-45 s)
   */
  static Report run(Path root, int seconds, long seed, PrintStream log) throws Exception {
    Random random = new Random(seed);
    Ledger ledger = new Ledger();
    Map<ChaosProxy.Fault, Long> stretches = new EnumMap<>(ChaosProxy.Fault.class);
    int longest = seconds < 300 ? 8 : 45;
    try (Fleet fleet = new Fleet(root);
        ChaosProxy proxy = new ChaosProxy(fleet.hub.url());
        HttpClient http =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build()) {
      Fleet.Publisher publisher = fleet.publisher("faults", true);
      long version = 1;
      KillSuite.publish(fleet, publisher, version, 1 << 20, random);
      fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
      AgentConfig config =
          AgentConfig.defaults(proxy.url(), root.resolve("device"))
              .withPort(0)
              .withEnrollmentToken(fleet.admin.createEnrollmentToken(600L, "network").token())
              .withDevice("network", KillSuite.LABELS)
              .withTrustedKeys(List.of(publisher.publicKey()))
              .withPollInterval(Duration.ofMillis(200))
              .withForwarding(Duration.ofMillis(200), 200)
              .withCapture(
                  CaptureConfig.defaults()
                      .withMode(CaptureConfig.Mode.SYNC)
                      .withPolicy(CapturePolicy.EVERY));
      Agent agent = fleet.start(config);
      Load.validAnswer(http, agent.inferenceUrl(), KillSuite.SETTLE_LIMIT);
      long sent;
      long end = System.nanoTime() + seconds * 1_000_000_000L;
      long nextDeploy = System.nanoTime() + seconds * 250_000_000L;
      List<ChaosProxy.Fault> deck = new ArrayList<>();
      try (Load load = new Load(ledger, "n" + seed, 2)) {
        load.target(agent.inferenceUrl());
        while (System.nanoTime() < end) {
          if (System.nanoTime() > nextDeploy) {
            version++;
            KillSuite.publish(fleet, publisher, version, 4 << 20, random);
            fleet.deploy(Load.MODEL, version, KillSuite.LABELS);
            nextDeploy += seconds * 250_000_000L;
          }
          // Every fault in turn, in a shuffled order, each deck of them once.
          if (deck.isEmpty()) {
            deck.addAll(List.of(ChaosProxy.Fault.values()));
            Collections.shuffle(deck, random);
          }
          ChaosProxy.Fault fault = deck.removeFirst();
          long millis =
              Math.min(
                  1000L + random.nextInt(longest * 1000), (end - System.nanoTime()) / 1_000_000);
          proxy.fault(fault);
          Thread.sleep(Math.max(0, millis));
          stretches.merge(fault, Math.max(0, millis), Long::sum);
          log.printf(
              "%-8s %5d ms; acknowledged %d, connections %d%n",
              fault, millis, ledger.size(), proxy.connections());
        }
        proxy.fault(ChaosProxy.Fault.PASS);
        load.target(null);
        sent = load.sent();
      }
      long healed = System.nanoTime();
      Path hubStore = root.resolve("hub").resolve(Hub.DATABASE_FILE);
      Ledger.Check hub = ledger.checkHub(Ledger.hubStore(hubStore));
      long serving = Load.validAnswer(http, agent.inferenceUrl(), KillSuite.SETTLE_LIMIT);
      while ((!hub.lost().isEmpty() || serving != version)
          && System.nanoTime() - healed < HEAL_LIMIT.toNanos()) {
        Thread.sleep(200);
        hub = ledger.checkHub(Ledger.hubStore(hubStore));
        serving = Load.validAnswer(http, agent.inferenceUrl(), KillSuite.SETTLE_LIMIT);
      }
      long healMillis = (System.nanoTime() - healed) / 1_000_000;
      agent.close();
      Ledger.Store device = Ledger.deviceStore(root.resolve("device").resolve("agent.db"));
      return new Report(
          seed,
          seconds,
          stretches,
          proxy.hits(),
          proxy.connections(),
          sent,
          hub,
          ledger.check(device, Ledger.hubStore(hubStore)),
          device.integrity(),
          version,
          serving,
          healMillis);
    }
  }
}
