package dev.verge.bench.serve;

import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.serving.InferenceServer;
import dev.verge.agent.serving.LocalModel;
import dev.verge.agent.serving.LocalModels;
import dev.verge.agent.serving.MetricsPage;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.serving.ServingMetrics;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import dev.verge.runtime.OnnxEngine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The agent in this JVM, called through its in-process API as a JVM application embedding it would:
 * {@link LocalModel#infer} on the handle {@link LocalModels#model} gives, over a registry, store
 * and counters of its own, so every call leases the version, runs the engine, hands the prediction
 * to the agent's default capture (group-committed to SQLite behind the answer) and counts it,
 * through the same serving core as the agent's doors.
 */
final class AgentInProcess implements Contender {
  private final ModelRegistry registry = new ModelRegistry();
  private final SqliteAgentStore store;
  private final PredictionCapture capture;
  private final InferenceServer server;
  private final LocalModels local;

  AgentInProcess(OnnxEngine engine, List<BenchModel> models, Path dataDir) throws Exception {
    store = SqliteAgentStore.open(dataDir.resolve("agent.db"));
    // The agent's own default: answers go out at once, records are group-committed behind them.
    capture = PredictionCapture.start(store, CaptureConfig.defaults(), CaptureMetrics.NONE);
    try {
      for (BenchModel model : models) {
        LoadedModel loaded = engine.load(new ModelSource(model.name(), 1, model.onnx()));
        registry.activate(loaded);
      }
      // Its HTTP side listens on a loopback port nobody calls; only the core is measured.
      server =
          InferenceServer.start(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
              registry,
              capture,
              Optional::empty,
              Map::of,
              InferenceServer.Options.defaults(),
              ServingMetrics.NONE,
              MetricsPage.NONE,
              new HealthCounters(Clock.systemUTC(), List.of()));
    } catch (Exception | Error e) {
      registry.close();
      capture.close();
      store.close();
      throw e;
    }
    local = server.local();
  }

  @Override
  public String key() {
    return "agent-local";
  }

  @Override
  public String column() {
    return "agent in-process (`LocalModel.infer`)";
  }

  @Override
  public boolean encodes() {
    return false;
  }

  @Override
  public float[] answer(BenchModel model, int batch, Tensors tensors) {
    return call(local.model(model.name()), tensor(model, batch));
  }

  @Override
  public Measurement measure(Case c, Duration warmup, Duration duration)
      throws InterruptedException {
    // The handle is kept, as an application would keep it; each call follows the active version.
    LocalModel model = local.model(c.model().name());
    Tensor input = tensor(c.model(), c.batch());
    Measurement m = InProcessLoad.run(c.connections(), warmup, duration, () -> call(model, input));
    // The records still queued are written now, not while the next contender is timed.
    capture.drain(Duration.ofMinutes(1));
    return m;
  }

  private static float[] call(LocalModel model, Tensor input) {
    return (float[]) model.infer(input).outputs().getFirst().data();
  }

  private static Tensor tensor(BenchModel model, int batch) {
    return new Tensor(BenchModel.INPUT, DataType.FP32, model.shape(batch), model.input(batch));
  }

  @Override
  public OptionalLong pid() {
    return OptionalLong.empty();
  }

  @Override
  public void close() {
    server.close();
    registry.close();
    capture.close();
    store.close();
  }
}
