package dev.verge.agent;

/** The device has no identity and could not get one from the hub. */
public final class EnrollmentException extends AgentException {
  public EnrollmentException(String message) {
    super(message);
  }

  public EnrollmentException(String message, Throwable cause) {
    super(message, cause);
  }
}
