package dev.verge.runtime;

import java.util.List;

/**
 * Loads models and hands out {@link LoadedModel}s. One engine per process; it owns the native
 * environment. Implementations are thread-safe.
 */
public interface InferenceEngine extends AutoCloseable {

  /**
   * Loads one model version from its bytes (never from a path, so a decrypted model need not touch
   * the disk) and returns it ready to serve.
   *
   * @throws EngineException when the runtime refuses the model
   */
  LoadedModel load(ModelSource source);

  /**
   * The accelerators this engine runs models on, by execution provider name ({@code cuda}); empty
   * when it runs them on the CPU, or cannot tell. The agent reports them in its hardware profile.
   */
  default List<String> accelerators() {
    return List.of();
  }

  @Override
  void close();
}
