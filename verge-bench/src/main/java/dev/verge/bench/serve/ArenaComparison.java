package dev.verge.bench.serve;

import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ONNX Runtime's CPU arena in the agent's engine, on (with {@code ArenaRelease}) or off: the time
 * of one MNIST CNN run at batch 64, and the process's resident memory after 200 such runs, after
 * one large request (batch 5,000) and after 200 runs more. One configuration per process, so that
 * the resident figures are its own:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp verge-bench/target/benchmarks.jar \
 *     dev.verge.bench.serve.ArenaComparison arena|no-arena
 * </pre>
 */
public final class ArenaComparison {
  private static final int RUNS = 200;
  private static final int LARGE_BATCH = 5000;

  private ArenaComparison() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 1 || !(args[0].equals("arena") || args[0].equals("no-arena"))) {
      System.err.println("usage: ArenaComparison arena|no-arena");
      System.exit(2);
    }
    boolean arena = args[0].equals("arena");
    BenchModel mnist = BenchModels.mnist();
    EngineOptions options = new EngineOptions(1, 1).withMemoryArena(arena);
    try (OnnxEngine engine = new OnnxEngine(options);
        LoadedModel model = engine.load(new ModelSource("mnist", 1, mnist.onnx()))) {
      Tensor batch = tensor(mnist, 64);
      for (int i = 0; i < RUNS; i++) {
        model.infer(List.of(batch), Set.of());
      }
      long start = System.nanoTime();
      for (int i = 0; i < RUNS; i++) {
        model.infer(List.of(batch), Set.of());
      }
      double micros = (System.nanoTime() - start) / 1e3 / RUNS;
      long steady = residentMib();
      model.infer(List.of(tensor(mnist, LARGE_BATCH)), Set.of());
      System.gc();
      long afterLarge = residentMib();
      for (int i = 0; i < RUNS; i++) {
        model.infer(List.of(batch), Set.of());
      }
      System.gc();
      long afterMore = residentMib();
      System.out.printf(
          Locale.ROOT,
          "| %s | %.0f | %d | %d | %d |%n",
          arena ? "arena on, released after large inputs and every 10 s" : "arena off",
          micros,
          steady,
          afterLarge,
          afterMore);
    }
  }

  private static Tensor tensor(BenchModel model, int batch) {
    return new Tensor(BenchModel.INPUT, DataType.FP32, model.shape(batch), model.input(batch));
  }

  private static long residentMib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
      }
    }
    return -1;
  }
}
