package dev.verge.agent.serving;

import dev.verge.agent.AgentVersion;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.core.oip.ServerMetadata;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The in-process API: the models this agent serves, for a JVM application that embeds the agent and
 * calls them without HTTP. Every call goes through the same serving core as the REST and gRPC doors
 * ({@link Inference#run}), so it leases the version it runs on (a hot swap never fails it), and is
 * recorded, counted in the statistics, the metrics and the model's health alike.
 *
 * <pre>{@code
 * LocalModel pump = agent.local().model("pump");
 * InferResult result =
 *     pump.infer(new Tensor("input", DataType.FP32, new long[] {1, 2}, new float[] {3f, 3f}));
 * float[] scores = (float[]) result.outputs().getFirst().data();
 * }</pre>
 *
 * Thread-safe; handles it gives out are cheap and may be kept.
 */
public final class LocalModels {
  private final ModelRegistry registry;
  private final Inference inference;
  private final PredictionCapture capture;
  private final Supplier<Optional<String>> notReady;

  LocalModels(
      ModelRegistry registry,
      Inference inference,
      PredictionCapture capture,
      Supplier<Optional<String>> notReady) {
    this.registry = registry;
    this.inference = inference;
    this.capture = capture;
    this.notReady = notReady;
  }

  /**
   * The model {@code name} at whichever version is active when each call runs: calls follow the
   * agent's updates. The model need not be served yet; a call fails while it is not.
   */
  public LocalModel model(String name) {
    return new LocalModel(this, requireName(name), null);
  }

  /** The model {@code name} at {@code version} only; calls fail once another version is active. */
  public LocalModel model(String name, long version) {
    return new LocalModel(this, requireName(name), version);
  }

  /** Every model served now and its active version, by name. */
  public Map<String, Long> models() {
    return registry.activeVersions();
  }

  /** Why the agent cannot serve every model it should; empty when it can. */
  public Optional<String> notReady() {
    return notReady.get();
  }

  /** Who serves, as the protocol's server metadata says it. */
  public ServerMetadata server() {
    return new ServerMetadata(
        InferenceServer.SERVER_NAME, AgentVersion.CURRENT, InferenceServer.EXTENSIONS);
  }

  /**
   * The statistics of every model served or counted, each version apart (the statistics extension's
   * answer for all models).
   */
  public ModelStatistics statistics() {
    return inference.statistics(null, null);
  }

  /**
   * The statistics of {@code name}, of {@code version} only when given.
   *
   * @throws ModelNotFoundException when the model is neither served nor was ever called
   */
  public ModelStatistics statistics(String name, Long version) {
    return inference.statistics(Objects.requireNonNull(name, "name"), version);
  }

  ModelRegistry registry() {
    return registry;
  }

  Inference inference() {
    return inference;
  }

  PredictionCapture capture() {
    return capture;
  }

  private static String requireName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("a model name must not be blank");
    }
    return name;
  }
}
