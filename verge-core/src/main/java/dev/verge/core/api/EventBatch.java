package dev.verge.core.api;

import java.util.List;

/** Events a device sends together; each is stored once per (device, sequence). */
public record EventBatch(List<DeviceEvent> events) {
  public EventBatch {
    events = events == null ? List.of() : List.copyOf(events);
  }
}
