package dev.verge.core.api;

import java.time.Instant;

/** An event as the hub keeps it: the device's event, whose it is, and when the hub got it. */
public record EventView(String deviceId, Instant receivedAt, DeviceEvent event) {}
