package dev.verge.agent.forward;

/** What one forwarding round did. */
public sealed interface ForwardOutcome {
  /** Predictions the hub acknowledged in this round. */
  int forwarded();

  /** Every recorded prediction is with the hub now. */
  record Drained(int forwarded) implements ForwardOutcome {}

  /** The hub failed a batch; it and everything after it stay pending for the next round. */
  record Stopped(int forwarded, String error) implements ForwardOutcome {}

  /** Metered: nothing was sent; {@code pending} predictions stay on the device. */
  record Held(long pending) implements ForwardOutcome {
    @Override
    public int forwarded() {
      return 0;
    }
  }
}
