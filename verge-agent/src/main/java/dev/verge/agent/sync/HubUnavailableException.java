package dev.verge.agent.sync;

/**
 * The hub could not be reached or failed on its side (a network error, a timeout, a 5xx answer):
 * worth retrying later with the same request.
 */
public final class HubUnavailableException extends HubException {
  HubUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
