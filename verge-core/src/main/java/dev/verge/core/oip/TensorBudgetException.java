package dev.verge.core.oip;

/**
 * A request whose tensors do not fit its {@link TensorBudget}: too large for any request (the
 * client must send less), or, when {@link #overloaded()}, too large for what the requests in flight
 * leave now (the client may retry). The message names the input or output and the budget.
 */
public final class TensorBudgetException extends RuntimeException {
  private final boolean overloaded;

  TensorBudgetException(String message, boolean overloaded) {
    super(message);
    this.overloaded = overloaded;
  }

  /** True when the request would fit alone but the requests in flight hold the room it needs. */
  public boolean overloaded() {
    return overloaded;
  }
}
