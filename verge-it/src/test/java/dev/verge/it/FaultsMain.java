package dev.verge.it;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The fault-injection suite's long form (docs/reliability.md), run by {@code ./verge faults}:
 *
 * <pre>
 * ./verge faults kill [kills=200] [seed] [bundle-kib=1024]
 * ./verge faults network [seconds=600] [seed]
 * ./verge faults powercut [cuts=50] [seed]
 * ./verge faults bundles [rounds=5] [seed]
 * </pre>
 *
 * Prints a summary and exits 1 on any lost or duplicated prediction or failed check.
 */
public final class FaultsMain {
  private FaultsMain() {}

  public static void main(String[] args) throws Exception {
    String what = args.length > 0 ? args[0] : "kill";
    long seed = args.length > 2 ? Long.parseLong(args[2]) : System.currentTimeMillis();
    Path root = Files.createTempDirectory("verge-faults");
    boolean passed =
        switch (what) {
          case "kill" -> {
            int kills = args.length > 1 ? Integer.parseInt(args[1]) : 200;
            int kib = args.length > 3 ? Integer.parseInt(args[3]) : 1024;
            KillSuite.Report report =
                KillSuite.run(root, new KillSuite.Options(kills, seed, kib * 1024), System.out);
            report.print(System.out);
            yield report.passed();
          }
          case "network" -> {
            int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 600;
            NetworkFaults.Report report = NetworkFaults.run(root, seconds, seed, System.out);
            report.print(System.out);
            yield report.passed();
          }
          case "powercut" -> {
            int cuts = args.length > 1 ? Integer.parseInt(args[1]) : 50;
            yield PowerCut.run(root, cuts, seed, System.out);
          }
          case "bundles" -> {
            int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
            BundleFaults.Report report = BundleFaults.run(root, rounds, seed, System.out);
            report.print(System.out);
            yield report.passed();
          }
          default -> {
            System.err.println(
                "usage: ./verge faults kill|network|powercut|bundles [count] [seed]");
            yield false;
          }
        };
    System.out.println("work folder: " + root);
    System.exit(passed ? 0 : 1);
  }
}
