package dev.verge.core.api;

import java.time.Duration;
import java.time.LocalTime;

/**
 * When a device may activate a new version. It downloads and verifies at once, but switches only
 * inside the window: between {@code start} and {@code end} in the device's local time (an end
 * before the start crosses midnight: 22:00-04:00) and/or once the model has served no request for
 * {@code idleSeconds}. Either part may be absent; a window with neither is refused.
 */
public record MaintenanceWindow(LocalTime start, LocalTime end, Integer idleSeconds) {
  public MaintenanceWindow {
    if ((start == null) != (end == null)) {
      throw new IllegalArgumentException(
          "a maintenance window needs both start and end, got start " + start + " and end " + end);
    }
    if (start != null && start.equals(end)) {
      throw new IllegalArgumentException(
          "a maintenance window's start and end must differ, got " + start + " for both");
    }
    if (idleSeconds != null && idleSeconds < 1) {
      throw new IllegalArgumentException(
          "a maintenance window's idleSeconds must be 1 or more, got " + idleSeconds);
    }
    if (start == null && idleSeconds == null) {
      throw new IllegalArgumentException(
          "a maintenance window needs start and end, idleSeconds, or both");
    }
  }

  /**
   * Whether activating is allowed now.
   *
   * @param localTime the device's wall-clock time in its own zone
   * @param idleFor how long the model has served no request (a model not serving yet is idle)
   */
  public boolean allows(LocalTime localTime, Duration idleFor) {
    return inHours(localTime)
        && (idleSeconds == null || idleFor.compareTo(Duration.ofSeconds(idleSeconds)) >= 0);
  }

  /** Whether {@code localTime} falls in [start, end), across midnight when end is before start. */
  public boolean inHours(LocalTime localTime) {
    if (start == null) {
      return true;
    }
    return start.isBefore(end)
        ? !localTime.isBefore(start) && localTime.isBefore(end)
        : !localTime.isBefore(start) || localTime.isBefore(end);
  }
}
