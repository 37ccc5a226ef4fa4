package dev.verge.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@link JsonTensorBenchmark}'s cases timed by the CPU time of the thread that runs them rather
 * than by the wall clock: on a machine whose cores are shared with other work, the wall clock
 * counts the time the thread waited for a core, its CPU time does not. The cases run interleaved,
 * round after round, so a change in the machine's load falls on all of them alike; each figure is
 * the median over the rounds, in nanoseconds of CPU per float (50,176 floats an operation).
 *
 * <p>{@code java -cp verge-bench/target/benchmarks.jar dev.verge.bench.JsonTensorCpuTime [rounds]}
 */
public final class JsonTensorCpuTime {
  private static final int WARM_UP_OPERATIONS = 300;
  private static final long ROUND_NANOS = 200_000_000L;

  private JsonTensorCpuTime() {}

  public static void main(String[] args) {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
    JsonTensorBenchmark benchmark = new JsonTensorBenchmark();
    Map<String, Supplier<Object>> cases = new LinkedHashMap<>();
    for (String values : List.of("mnist", "dense")) {
      for (String layout : List.of("flat", "nested")) {
        JsonTensorBenchmark.Request request = new JsonTensorBenchmark.Request();
        request.values = values;
        request.layout = layout;
        request.build();
        String params = "(" + values + ", " + layout + ")";
        cases.put("decode_tree " + params, () -> benchmark.decode_tree(request));
        cases.put("decode_stream " + params, () -> benchmark.decode_stream(request));
      }
      JsonTensorBenchmark.Answer answer = new JsonTensorBenchmark.Answer();
      answer.values = values;
      answer.build();
      cases.put("encode_mapper (" + values + ")", () -> benchmark.encode_mapper(answer));
      cases.put("encode_stream (" + values + ")", () -> benchmark.encode_stream(answer));
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (Supplier<Object> work : cases.values()) {
      for (int i = 0; i < WARM_UP_OPERATIONS; i++) {
        consume(work.get());
      }
    }
    Map<String, List<Double>> perFloat = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      for (Map.Entry<String, Supplier<Object>> entry : cases.entrySet()) {
        long start = threads.getCurrentThreadCpuTime();
        long operations = 0;
        long spent;
        do {
          consume(entry.getValue().get());
          operations++;
          spent = threads.getCurrentThreadCpuTime() - start;
        } while (spent < ROUND_NANOS);
        perFloat
            .computeIfAbsent(entry.getKey(), k -> new ArrayList<>())
            .add((double) spent / operations / JsonTensorBenchmark.FLOATS);
      }
    }
    System.out.printf("%-32s %12s %12s %12s%n", "case", "median", "min", "max");
    perFloat.forEach(
        (name, figures) -> {
          double[] sorted = figures.stream().mapToDouble(Double::doubleValue).sorted().toArray();
          System.out.printf(
              Locale.ROOT,
              "%-32s %9.1f ns %9.1f ns %9.1f ns%n",
              name,
              sorted[sorted.length / 2],
              sorted[0],
              sorted[sorted.length - 1]);
        });
    System.out.println("(CPU ns per float, " + rounds + " interleaved rounds; " + sink + ")");
  }

  private static int sink;

  private static void consume(Object result) {
    sink += System.identityHashCode(result);
  }
}
