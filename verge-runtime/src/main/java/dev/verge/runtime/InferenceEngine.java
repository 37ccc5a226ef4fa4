package dev.verge.runtime;

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

  @Override
  void close();
}
