package dev.verge.agent.sync;

/** The hub answered and refused the request (a 4xx status), with its own reason. */
public final class HubRefusedException extends HubException {
  private final int status;

  HubRefusedException(int status, String message) {
    super(message, null);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
