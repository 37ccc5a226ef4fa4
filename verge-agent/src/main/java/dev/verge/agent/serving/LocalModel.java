package dev.verge.agent.serving;

import dev.verge.agent.store.StoreException;
import dev.verge.core.oip.ModelMetadata;
import dev.verge.core.oip.Tensor;
import dev.verge.runtime.LoadedModel;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One model as the in-process API sees it (from {@link LocalModels#model}). Each call leases the
 * version it runs on for its whole duration, so a swap to a new version meanwhile never fails it.
 */
public final class LocalModel {
  private static final System.Logger LOG = System.getLogger(LocalModel.class.getName());

  private final LocalModels models;
  private final String name;
  private final Long version;

  LocalModel(LocalModels models, String name, Long version) {
    this.models = models;
    this.name = name;
    this.version = version;
  }

  public String name() {
    return name;
  }

  /** The version this handle is pinned to; empty when it follows the active version. */
  public OptionalLong pinnedVersion() {
    return version == null ? OptionalLong.empty() : OptionalLong.of(version);
  }

  /** Whether a call would find this model (and version) served now. */
  public boolean ready() {
    Optional<Long> active = models.registry().activeVersion(name);
    return active.isPresent() && (version == null || active.get().equals(version));
  }

  /**
   * Name, version, platform and the signature of the version a call would run on now.
   *
   * @throws ModelNotFoundException when it is not served
   */
  public ModelMetadata metadata() {
    try (ModelRegistry.Lease lease = models.registry().acquire(name, version)) {
      LoadedModel model = lease.model();
      return new ModelMetadata(
          model.name(),
          List.of(Long.toString(model.version())),
          ModelMetadata.PLATFORM_ONNX,
          model.inputs(),
          model.outputs());
    }
  }

  /**
   * Runs the model on {@code inputs} and answers every output, in the model's order.
   *
   * @throws ModelNotFoundException when it is not served
   * @throws dev.verge.core.oip.ProtocolException naming the input that does not fit the model
   * @throws dev.verge.runtime.EngineException when the model itself fails
   */
  public InferResult infer(Tensor... inputs) {
    return infer(new InferCall(null, List.of(inputs), Set.of()));
  }

  /** Runs the model on {@code inputs}; see {@link #infer(Tensor...)}. */
  public InferResult infer(List<Tensor> inputs) {
    return infer(new InferCall(null, inputs, Set.of()));
  }

  /**
   * Runs one call: its inputs, the outputs it asks for (empty for all) and a request id that is
   * echoed back and kept with the recorded prediction.
   */
  public InferResult infer(InferCall call) {
    return run(model -> call);
  }

  /**
   * Runs one call that {@code decoder} makes once the version it runs on is leased, for a door that
   * needs the model's signature to decode its request (the gRPC door's raw contents, for one).
   */
  public InferResult run(InferCall.Decoder decoder) {
    return run(decoder, result -> result);
  }

  /**
   * Runs one call and lets {@code encoder} make the door's answer while the version is still
   * leased, timed as the version's output phase.
   */
  public <T> T run(InferCall.Decoder decoder, Inference.Encoder<T> encoder) {
    try {
      return models.inference().run(name, version, decoder, encoder);
    } catch (RuntimeException e) {
      countFailure();
      throw e;
    }
  }

  private void countFailure() {
    try {
      models.capture().failed();
    } catch (StoreException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot count a failed request: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return version == null ? name : name + " v" + version;
  }
}
