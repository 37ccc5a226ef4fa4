package dev.verge.core.api;

/** One device's progress on a deployment. */
public record DeviceRollout(
    String deviceId, String deviceName, RolloutState state, Long activeVersion, String error) {}
