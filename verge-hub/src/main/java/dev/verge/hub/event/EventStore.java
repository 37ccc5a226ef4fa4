package dev.verge.hub.event;

import java.util.List;

/**
 * Events devices raised. Safe for concurrent use; each method is one transaction. Failures are
 * {@link dev.verge.hub.HubException.StoreFailure} or {@link dev.verge.hub.HubException.StoreBusy}.
 */
public interface EventStore {
  /**
   * Adds each event the device has not stored yet (by sequence).
   *
   * @return how many were new
   */
  int add(List<Event> events);

  /** Up to {@code limit} of the device's events with a sequence above {@code afterSequence}. */
  List<Event> events(String deviceId, long afterSequence, int limit);

  /** How many events the device has stored. */
  long count(String deviceId);
}
