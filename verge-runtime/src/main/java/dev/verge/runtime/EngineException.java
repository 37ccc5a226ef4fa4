package dev.verge.runtime;

/** The inference runtime failed: a model it cannot load, or a run that broke inside it. */
public final class EngineException extends RuntimeException {
  public EngineException(String message, Throwable cause) {
    super(message, cause);
  }

  public EngineException(String message) {
    super(message);
  }
}
