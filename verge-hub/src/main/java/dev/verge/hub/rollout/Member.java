package dev.verge.hub.rollout;

import dev.verge.core.api.RolloutState;
import java.time.Instant;

/**
 * A device of a rollout: its wave, its last known state and, once released, when it was given the
 * version and what it ran before.
 *
 * @param releasedAt when the device was given the version; null while it waits for its wave or a
 *     download slot
 * @param previousVersion the version the device was serving when released; a rollback sends it back
 *     there (null: it served none, and the rollout stops giving it this model)
 */
record Member(
    String deviceId,
    int wave,
    Instant releasedAt,
    Long previousVersion,
    RolloutState state,
    String reason,
    Long activeVersion,
    Instant stateSince) {

  boolean released() {
    return releasedAt != null;
  }

  Member released(Instant at, Long previous) {
    return new Member(deviceId, wave, at, previous, state, reason, activeVersion, stateSince);
  }

  Member inState(RolloutState state, String reason, Long activeVersion, Instant now) {
    Instant since = state == this.state ? stateSince : now;
    return new Member(
        deviceId, wave, releasedAt, previousVersion, state, reason, activeVersion, since);
  }
}
