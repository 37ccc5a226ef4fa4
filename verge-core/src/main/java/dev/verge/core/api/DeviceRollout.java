package dev.verge.core.api;

/**
 * One device's progress on a deployment.
 *
 * @param wave the index of the device's wave in {@link DeploymentView#waves}
 * @param reason why the device is in its state, when there is more to say: the agent's failure,
 *     "waiting for a download slot", the window it waits for; null otherwise
 */
public record DeviceRollout(
    String deviceId,
    String deviceName,
    int wave,
    RolloutState state,
    Long activeVersion,
    String reason) {}
