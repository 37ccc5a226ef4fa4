package dev.verge.agent.sync;

import dev.verge.agent.AgentException;

/** One step refused a model version; the message starts with the step's name. */
final class ActivationException extends AgentException {
  private final Check check;

  ActivationException(Check check, String detail) {
    super(check.label() + " failed: " + detail);
    this.check = check;
  }

  ActivationException(Check check, String detail, Throwable cause) {
    super(check.label() + " failed: " + detail, cause);
    this.check = check;
  }

  Check check() {
    return check;
  }
}
