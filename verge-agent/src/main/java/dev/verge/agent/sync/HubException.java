package dev.verge.agent.sync;

import dev.verge.agent.AgentException;

/** A call to the hub that did not succeed. */
public abstract sealed class HubException extends AgentException
    permits HubUnavailableException, HubRefusedException {
  HubException(String message, Throwable cause) {
    super(message, cause);
  }
}
