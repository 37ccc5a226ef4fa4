package dev.verge.hub.telemetry;

/** A position in a version's predictions, which are read in (time, device, sequence) order. */
public record PageKey(long timeMs, String deviceId, long sequence) {}
