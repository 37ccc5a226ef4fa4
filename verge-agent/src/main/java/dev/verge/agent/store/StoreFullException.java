package dev.verge.agent.store;

/**
 * The store cannot take another prediction: its budget (or the disk) is full and every prediction
 * in it still waits for the hub. Refusing is the only way to lose nothing.
 */
public final class StoreFullException extends StoreException {
  public StoreFullException(String message, Throwable cause) {
    super(message, cause);
  }
}
