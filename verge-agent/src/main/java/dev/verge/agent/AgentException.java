package dev.verge.agent;

/**
 * The agent failed at something it was asked to do: a bad configuration, an enrollment the hub
 * refused, a store it cannot write. One subclass per feature; the HTTP server maps them to statuses
 * in one place.
 */
public abstract class AgentException extends RuntimeException {
  protected AgentException(String message) {
    super(message);
  }

  protected AgentException(String message, Throwable cause) {
    super(message, cause);
  }
}
