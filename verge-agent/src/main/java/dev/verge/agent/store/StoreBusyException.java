package dev.verge.agent.store;

/**
 * The store did not take a prediction in time: the capture queue stayed full, or a synchronous
 * commit did not finish, within the bound a request waits. Nothing is lost by retrying later.
 */
public final class StoreBusyException extends StoreException {
  public StoreBusyException(String message, Throwable cause) {
    super(message, cause);
  }
}
