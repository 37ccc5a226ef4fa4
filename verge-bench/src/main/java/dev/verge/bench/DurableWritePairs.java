package dev.verge.bench;

import dev.verge.sqlite.Sqlite;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent's group commit against raw SQLite batched inserts ({@code synchronous=FULL}), the
 * writers of {@link DurableWriteBenchmark} taking turns a slice at a time, in rotating order, for
 * many rounds: each round's ratio compares writers that ran within seconds of each other, so a
 * machine whose load drifts (other builds, other disks' fsyncs) moves both sides of it alike. The
 * answer is the median of the rounds' ratios, with its quartiles.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp verge-bench/target/benchmarks.jar \
 *     dev.verge.bench.DurableWritePairs [rounds] [slice-ms] [batch ...]
 * </pre>
 *
 * Defaults: 20 rounds, 1,000 ms slices, batches 1, 64 and 1,024.
 */
public final class DurableWritePairs {
  private static final List<String> WRITERS = List.of("agent", "raw", "raw_encoding");

  /** Records a raw slice writes between looks at the clock. */
  private static final int STEP = 1024;

  private DurableWritePairs() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    Duration slice = Duration.ofMillis(args.length > 1 ? Long.parseLong(args[1]) : 1_000);
    int[] batches =
        args.length > 2
            ? Arrays.stream(args, 2, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 64, 1024};
    System.out.printf(
        "durable writes (synchronous=FULL), %d rounds of %d ms slices; records/s medians,"
            + " ratios: median [quartiles] of the rounds%n",
        rounds, slice.toMillis());
    System.out.println(
        "| batch | agent | raw | raw_encoding | agent ÷ raw_encoding | agent ÷ raw |");
    System.out.println("| ---: | ---: | ---: | ---: | --- | --- |");
    for (int batch : batches) {
      Path root = Files.createTempDirectory("verge-durable-pairs-");
      try (DurableWriters writers = new DurableWriters(root, batch, Sqlite.Durability.POWER_CUT)) {
        for (String writer : WRITERS) {
          rate(writers, writer, slice); // warm-up, not counted
        }
        double[][] rates = new double[WRITERS.size()][rounds];
        for (int round = 0; round < rounds; round++) {
          for (int k = 0; k < WRITERS.size(); k++) {
            int w = (round + k) % WRITERS.size();
            rates[w][round] = rate(writers, WRITERS.get(w), slice);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "| %d | %,.0f | %,.0f | %,.0f | %s | %s |%n",
            batch,
            quartiles(rates[0])[1],
            quartiles(rates[1])[1],
            quartiles(rates[2])[1],
            ratios(rates[0], rates[2]),
            ratios(rates[0], rates[1]));
      } finally {
        Folders.deleteTree(root);
      }
    }
  }

  /** Records committed a second by {@code writer} over one slice. */
  private static double rate(DurableWriters writers, String writer, Duration slice)
      throws SQLException, InterruptedException {
    if (!writer.equals("agent")) {
      boolean encode = writer.equals("raw_encoding");
      long records = 0;
      long start = System.nanoTime();
      long end = start + slice.toNanos();
      long now;
      do {
        writers.rawBatches(Math.max(STEP, writers.batch), encode);
        records += Math.max(STEP, writers.batch);
      } while ((now = System.nanoTime()) < end);
      return records * 1e9 / (now - start);
    }
    // A request thread outrunning the writer, as in the JMH benchmark; counted once the queue is
    // full, up to the end of the slice; what it left queued is committed before the next writer.
    AtomicBoolean stop = new AtomicBoolean();
    Thread requests =
        Thread.ofPlatform()
            .name("requests")
            .start(
                () -> {
                  while (!stop.get()) {
                    writers.serve(STEP);
                  }
                });
    try {
      Thread.sleep(100);
      long before = writers.committed.get();
      long start = System.nanoTime();
      Thread.sleep(slice);
      long after = writers.committed.get();
      return (after - before) * 1e9 / (System.nanoTime() - start);
    } finally {
      stop.set(true);
      requests.join();
      if (!writers.capture.drain(Duration.ofSeconds(60))) {
        throw new IllegalStateException("the capture writer did not drain within 60 s");
      }
    }
  }

  private static String ratios(double[] agent, double[] other) {
    double[] r = new double[agent.length];
    for (int i = 0; i < r.length; i++) {
      r[i] = agent[i] / other[i];
    }
    double[] q = quartiles(r);
    return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", q[1], q[0], q[2]);
  }

  /** The lower quartile, the median and the upper quartile. */
  private static double[] quartiles(double[] values) {
    List<Double> sorted = new ArrayList<>();
    for (double v : values) {
      sorted.add(v);
    }
    sorted.sort(null);
    int n = sorted.size();
    return new double[] {sorted.get(n / 4), sorted.get(n / 2), sorted.get((3 * n) / 4)};
  }
}
