package dev.verge.core.bundle;

/** A bundle refused by one of the checks in {@link BundleProblem}; the message says which file. */
public final class BundleException extends RuntimeException {
  private final BundleProblem problem;

  public BundleException(BundleProblem problem, String message) {
    super(message);
    this.problem = problem;
  }

  public BundleException(BundleProblem problem, String message, Throwable cause) {
    super(message, cause);
    this.problem = problem;
  }

  public BundleProblem problem() {
    return problem;
  }
}
