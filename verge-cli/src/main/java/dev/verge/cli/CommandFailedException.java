package dev.verge.cli;

/** A command could not do what it was asked; the message tells the user what to do about it. */
public final class CommandFailedException extends RuntimeException {
  public CommandFailedException(String message) {
    super(message);
  }
}
