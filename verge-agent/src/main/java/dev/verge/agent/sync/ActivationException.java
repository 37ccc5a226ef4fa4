package dev.verge.agent.sync;

import dev.verge.agent.AgentException;

/** One step refused a model version; the message starts with the step's name. */
final class ActivationException extends AgentException {
  private final Check check;
  private final boolean retryable;

  ActivationException(Check check, String detail) {
    this(check, detail, null, false);
  }

  ActivationException(Check check, String detail, Throwable cause) {
    this(check, detail, cause, false);
  }

  /**
   * @param retryable whether the step failed for a transient reason (hub or link down, a stall), so
   *     that trying again later may well succeed
   */
  ActivationException(Check check, String detail, Throwable cause, boolean retryable) {
    super(check.label() + " failed: " + detail, cause);
    this.check = check;
    this.retryable = retryable;
  }

  Check check() {
    return check;
  }

  boolean retryable() {
    return retryable;
  }
}
