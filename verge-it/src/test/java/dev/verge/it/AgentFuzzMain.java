package dev.verge.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The fuzz suite's long form, {@code ./verge fuzz [requests] [seed] [connections] [max-minutes]}
 * (defaults 1000000, 20261201, 8, 30): a real hub and agent on loopback, the requests, then a
 * markdown summary: requests, rate, outcomes by status and kind, failures with their index (send
 * one again with {@code ./verge fuzz replay SEED INDEX}), heap and resident memory before and
 * after. Exits 1 when any request failed.
 */
public final class AgentFuzzMain {
  private static final double MIB = 1024 * 1024;

  private AgentFuzzMain() {}

  public static void main(String[] args) throws Exception {
    java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
    boolean replay = args.length > 0 && args[0].equals("replay");
    long requests = replay ? 0 : arg(args, 0, 1_000_000);
    long seed = arg(args, replay ? 1 : 1, AgentFuzzTest.SEED);
    int connections = (int) arg(args, 2, 8);
    long minutes = arg(args, 3, 30);
    Path root = Files.createTempDirectory("verge-fuzz");
    int exit;
    try (FuzzedAgent fuzzed = new FuzzedAgent(root)) {
      if (replay) {
        long index = arg(args, 2, 0);
        FuzzRequests.Request request = new FuzzRequests(seed).get(index);
        System.out.println("request " + index + " of seed " + seed + ": " + request.sample());
        System.out.println("answered " + new AgentFuzz(fuzzed.port(), seed).replay(index));
        return;
      }
      new AgentFuzz(fuzzed.port(), seed + 1).run(2_000, 2, Duration.ofMinutes(2));
      FuzzedAgent.Memory before = FuzzedAgent.Memory.now();
      AgentFuzz.Report report =
          new AgentFuzz(fuzzed.port(), seed)
              .run(requests, connections, Duration.ofMinutes(minutes));
      FuzzedAgent.Memory after = FuzzedAgent.Memory.now();
      int valid = fuzzed.validInfer();
      print(report, connections, before, after, valid);
      exit = report.failureCount() == 0 && report.silentCloses() == 0 && valid == 200 ? 0 : 1;
    } finally {
      try (Stream<Path> files = Files.walk(root)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(exit);
  }

  private static long arg(String[] args, int i, long otherwise) {
    return args.length > i ? Long.parseLong(args[i].replace("_", "")) : otherwise;
  }

  private static void print(
      AgentFuzz.Report report,
      int connections,
      FuzzedAgent.Memory before,
      FuzzedAgent.Memory after,
      int valid) {
    StringBuilder out = new StringBuilder();
    out.append(
        String.format(
            Locale.ROOT,
            "| requests | seed | connections | time | rate | failures | valid call after |%n"
                + "| --- | --- | --- | --- | --- | --- | --- |%n"
                + "| %,d | %d | %d | %.1f s | %,.0f/s | %d | %d |%n%n",
            report.requests(),
            report.seed(),
            connections,
            report.took().toMillis() / 1000.0,
            report.perSecond(),
            report.failureCount(),
            valid));
    out.append("| status | requests |\n| --- | --- |\n");
    for (Map.Entry<Integer, Long> e : report.byStatus().entrySet()) {
      String status =
          switch (e.getKey()) {
            case 0 -> "closed without an answer";
            case -1 -> "no answer in time";
            case -2 -> "malformed answer";
            default -> Integer.toString(e.getKey());
          };
      out.append(String.format(Locale.ROOT, "| %s | %,d |%n", status, e.getValue()));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "%nbodies cut short by the client: %,d, answered %,d (the rest closed);"
                + " keep-alive connections closed after an answer without saying so: %,d%n%n",
            report.cut(),
            report.cutAnswered(),
            report.silentCloses()));
    out.append("| kind | requests | mean time |\n| --- | --- | --- |\n");
    report
        .byKind()
        .forEach(
            (k, v) ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "| %s | %,d | %,d µs |%n",
                        k,
                        v,
                        report.meanMicrosByKind().get(k))));
    out.append(
        String.format(
            Locale.ROOT,
            "%n| memory | before | after |%n| --- | --- | --- |%n"
                + "| heap in use after a full GC | %.1f MiB | %.1f MiB |%n"
                + "| heap committed | %.1f MiB | %.1f MiB |%n"
                + "| resident (the whole JVM: hub, agent, fuzzer) | %.1f MiB | %.1f MiB |%n",
            before.heapBytes() / MIB,
            after.heapBytes() / MIB,
            before.committedBytes() / MIB,
            after.committedBytes() / MIB,
            before.residentBytes() / MIB,
            after.residentBytes() / MIB));
    for (AgentFuzz.Failure failure : report.failures()) {
      out.append(
          String.format(
              "%nFAILED #%d (%s): %s%n  %s",
              failure.index(), failure.kind(), failure.problem(), failure.sample()));
    }
    System.out.println(out);
  }
}
