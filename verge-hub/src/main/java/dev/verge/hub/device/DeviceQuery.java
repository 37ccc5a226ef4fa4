package dev.verge.hub.device;

import dev.verge.core.select.Selector;
import java.time.Instant;
import java.util.Objects;

/**
 * A search for devices, answered in enrollment order ({@code enrolledAt}, then id).
 *
 * @param selector what their labels ({@link Device#labels}) must match
 * @param status online or offline only; null for both
 * @param onlineSince a device is online when its last contact is at or after this; required with a
 *     status
 * @param after only devices after this one in enrollment order; null from the first
 * @param limit at most this many, 1 or more
 */
public record DeviceQuery(
    Selector selector, Status status, Instant onlineSince, Position after, int limit) {
  /** Whether the device called the hub recently. */
  public enum Status {
    ONLINE,
    OFFLINE
  }

  /** A device's place in enrollment order: where the previous page ended. */
  public record Position(Instant enrolledAt, String id) {
    public Position {
      Objects.requireNonNull(enrolledAt, "enrolledAt");
      Objects.requireNonNull(id, "id");
    }

    static Position of(Device device) {
      return new Position(device.enrolledAt(), device.id());
    }
  }

  public DeviceQuery {
    selector = selector == null ? Selector.everything() : selector;
    if (status != null && onlineSince == null) {
      throw new IllegalArgumentException("a status filter needs onlineSince");
    }
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be 1 or more, got " + limit);
    }
  }

  /** Every device, {@code limit} at a time from the first. */
  public static DeviceQuery all(int limit) {
    return new DeviceQuery(Selector.everything(), null, null, null, limit);
  }

  /** The same search from after {@code position}. */
  public DeviceQuery after(Position position) {
    return new DeviceQuery(selector, status, onlineSince, position, limit);
  }
}
