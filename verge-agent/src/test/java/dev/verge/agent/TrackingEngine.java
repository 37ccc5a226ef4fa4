package dev.verge.agent;

import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.InferenceEngine;
import dev.verge.runtime.LoadedModel;
import dev.verge.runtime.ModelSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine that watches how the agent uses the models it loads: a call on a closed model, or a
 * close while a call is running, counts as misuse.
 */
final class TrackingEngine implements InferenceEngine {
  private final InferenceEngine delegate;
  final List<TrackedModel> loaded = new CopyOnWriteArrayList<>();
  final AtomicInteger misuse = new AtomicInteger();

  TrackingEngine(InferenceEngine delegate) {
    this.delegate = delegate;
  }

  @Override
  public LoadedModel load(ModelSource source) {
    TrackedModel model = new TrackedModel(delegate.load(source));
    loaded.add(model);
    return model;
  }

  TrackedModel model(String name, long version) {
    return loaded.stream()
        .filter(m -> m.name().equals(name) && m.version() == version)
        .findFirst()
        .orElseThrow();
  }

  @Override
  public void close() {}

  final class TrackedModel implements LoadedModel {
    private final LoadedModel model;
    private final AtomicInteger running = new AtomicInteger();
    volatile boolean closed;

    TrackedModel(LoadedModel model) {
      this.model = model;
    }

    @Override
    public String name() {
      return model.name();
    }

    @Override
    public long version() {
      return model.version();
    }

    @Override
    public List<TensorSpec> inputs() {
      return model.inputs();
    }

    @Override
    public List<TensorSpec> outputs() {
      return model.outputs();
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs, Set<String> outputs) {
      running.incrementAndGet();
      try {
        if (closed) {
          misuse.incrementAndGet();
          throw new IllegalStateException(name() + " v" + version() + " is closed");
        }
        return model.infer(inputs, outputs);
      } finally {
        running.decrementAndGet();
      }
    }

    @Override
    public void close() {
      if (running.get() > 0 || closed) {
        misuse.incrementAndGet();
      }
      closed = true;
      model.close();
    }
  }
}
