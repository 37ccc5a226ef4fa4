package dev.verge.agent;

/** A configuration value the agent cannot start with; the message names the value. */
public final class InvalidConfigException extends AgentException {
  public InvalidConfigException(String message) {
    super(message);
  }

  public InvalidConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
