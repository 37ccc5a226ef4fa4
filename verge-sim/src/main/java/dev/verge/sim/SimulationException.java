package dev.verge.sim;

/** The simulation cannot go on: the hub refused its token or an enrollment. */
public final class SimulationException extends RuntimeException {
  public SimulationException(String message, Throwable cause) {
    super(message, cause);
  }

  public SimulationException(String message) {
    super(message);
  }
}
