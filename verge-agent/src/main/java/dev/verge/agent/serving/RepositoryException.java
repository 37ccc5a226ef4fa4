package dev.verge.agent.serving;

import dev.verge.agent.AgentException;

/** A load or unload through the model repository extension that cannot be done. */
public final class RepositoryException extends AgentException {
  /** What stood in the way. */
  public enum Kind {
    /** No such model here, or no kept bundle of the version asked for. */
    NOT_FOUND,
    /** The version's bundle failed its checks or its load. */
    LOAD_FAILED,
    /** Local control is off: the API is reachable from other hosts, or no repository is wired. */
    NOT_MANAGED
  }

  private final Kind kind;

  public RepositoryException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** Local control refused because the door that was asked listens beyond loopback. */
  public static RepositoryException beyondLoopback(String what) {
    return new RepositoryException(
        Kind.NOT_MANAGED,
        "models can be "
            + what
            + "ed through this API only while it is bound to loopback; this agent listens on"
            + " another address, and its models follow the hub's desired state");
  }
}
