package dev.verge.hub.event;

import dev.verge.core.api.BatchAck;
import dev.verge.core.api.DeviceEvent;
import dev.verge.core.api.EventBatch;
import dev.verge.core.api.EventView;
import dev.verge.hub.HubException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Events devices raise (their pipelines' rules), stored exactly once per (device, sequence)
 * although devices send at least once, and listed for operators.
 */
public final class DeviceEvents {
  public static final int MAX_BATCH = 1_000;
  public static final int MAX_LIST = 1_000;
  static final int MAX_TEXT = 1_000;
  static final Set<String> SEVERITIES = Set.of("info", "warning", "critical");

  private final EventStore store;
  private final Clock clock;

  public DeviceEvents(EventStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * @throws HubException.InvalidInput naming the first invalid event
   */
  public BatchAck record(String deviceId, EventBatch batch) {
    if (batch == null) {
      throw new HubException.InvalidInput("the request body is empty; expected a JSON EventBatch");
    }
    List<DeviceEvent> events = batch.events();
    if (events.size() > MAX_BATCH) {
      throw new HubException.InvalidInput(
          "a batch may hold at most " + MAX_BATCH + " events, got " + events.size());
    }
    var receivedAt = clock.instant().truncatedTo(ChronoUnit.MILLIS);
    List<Event> rows = new ArrayList<>(events.size());
    for (int i = 0; i < events.size(); i++) {
      DeviceEvent e = events.get(i);
      requireValid(e, "events[" + i + "]");
      rows.add(
          new Event(
              deviceId,
              e.sequence(),
              e.time(),
              e.pipeline(),
              e.rule(),
              e.severity(),
              e.message(),
              e.model(),
              e.version(),
              e.details(),
              receivedAt));
    }
    int added = store.add(rows);
    return new BatchAck(added, added == 0 && !rows.isEmpty());
  }

  /** Up to {@code limit} of the device's events after {@code afterSequence}, oldest first. */
  public List<EventView> list(String deviceId, long afterSequence, int limit) {
    if (limit < 1 || limit > MAX_LIST) {
      throw new HubException.InvalidInput("limit must be 1 to " + MAX_LIST + ", got " + limit);
    }
    return store.events(deviceId, afterSequence, limit).stream()
        .map(
            e ->
                new EventView(
                    e.deviceId(),
                    e.receivedAt(),
                    new DeviceEvent(
                        e.sequence(),
                        e.time(),
                        e.pipeline(),
                        e.rule(),
                        e.severity(),
                        e.message(),
                        e.model(),
                        e.version(),
                        e.details())))
        .toList();
  }

  /** How many events the device has stored. */
  public long count(String deviceId) {
    return store.count(deviceId);
  }

  private static void requireValid(DeviceEvent e, String where) {
    if (e == null) {
      throw new HubException.InvalidInput(where + " is null");
    }
    if (e.sequence() < 0) {
      throw new HubException.InvalidInput(
          where + ".sequence must be 0 or more, got " + e.sequence());
    }
    if (e.time() == null) {
      throw new HubException.InvalidInput(where + ".time is required");
    }
    requireText(e.pipeline(), where + ".pipeline");
    requireText(e.rule(), where + ".rule");
    requireText(e.model(), where + ".model");
    if (!SEVERITIES.contains(e.severity())) {
      throw new HubException.InvalidInput(
          where + ".severity must be info, warning or critical, got " + e.severity());
    }
    if (e.message() != null && e.message().length() > MAX_TEXT) {
      throw new HubException.InvalidInput(
          where + ".message is longer than " + MAX_TEXT + " characters");
    }
  }

  private static void requireText(String value, String where) {
    if (value == null || value.isBlank()) {
      throw new HubException.InvalidInput(where + " is required");
    }
    if (value.length() > MAX_TEXT) {
      throw new HubException.InvalidInput(where + " is longer than " + MAX_TEXT + " characters");
    }
  }
}
