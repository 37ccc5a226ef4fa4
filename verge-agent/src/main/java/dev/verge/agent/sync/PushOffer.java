package dev.verge.agent.sync;

import dev.verge.core.api.PushAccess;
import java.util.Objects;

/** What the hub answered when asked for push access ({@code POST DEVICES/{id}/push}). */
public sealed interface PushOffer {

  /** Fresh credentials on the hub's broker, and the device's topics. */
  record Granted(PushAccess access) implements PushOffer {
    public Granted {
      Objects.requireNonNull(access, "access");
    }
  }

  /**
   * The hub pushes nothing: it has no broker configured (409), or is older than push (404). The
   * device polls.
   *
   * @param status the hub's status
   * @param reason the hub's message, or what the status means
   */
  record None(int status, String reason) implements PushOffer {}
}
