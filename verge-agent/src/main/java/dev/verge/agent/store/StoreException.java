package dev.verge.agent.store;

import dev.verge.agent.AgentException;

/** The local store could not be opened, migrated, read or written. */
public sealed class StoreException extends AgentException
    permits StoreFullException, StoreBusyException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
