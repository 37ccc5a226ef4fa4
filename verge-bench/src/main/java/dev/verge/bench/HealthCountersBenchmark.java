package dev.verge.bench;

import dev.verge.agent.health.HealthCounters;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.EngineOptions;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import dev.verge.runtime.TestModels;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the per-version health counters add to each successful request on the serving path: the
 * request count, the latency bucket and the output column sums of {@link TestModels#logistic()}'s
 * real output ([batch, 2] FP32). Run with {@code -prof gc} to see that it allocates nothing.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
@State(Scope.Benchmark)
public class HealthCountersBenchmark {
  @Param({"1", "64"})
  public int batch;

  private OnnxEngine engine;
  private LoadedModel model;
  private HealthCounters health;
  private List<Tensor> outputs;

  @Setup(Level.Trial)
  public void start() {
    engine = new OnnxEngine(EngineOptions.defaults());
    model = engine.load(new ModelSource("logistic", 1, TestModels.logistic()));
    float[] features = new float[batch * 2];
    for (int i = 0; i < features.length; i++) {
      features[i] = (i % 7) * 0.25f - 0.75f;
    }
    outputs =
        model.infer(
            List.of(new Tensor("input", DataType.FP32, new long[] {batch, 2}, features)), Set.of());
    health = new HealthCounters(Clock.systemUTC(), List.of());
    health.activated(model, 1L);
  }

  @TearDown(Level.Trial)
  public void stop() {
    model.close();
    engine.close();
  }

  @Benchmark
  public void count_a_successful_request() {
    health.succeeded("logistic", 1, 640_000, outputs);
  }
}
