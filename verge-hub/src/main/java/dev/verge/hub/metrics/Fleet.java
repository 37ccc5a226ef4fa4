package dev.verge.hub.metrics;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What the fleet gauges show, taken from one read of the devices and deployments. */
record Fleet(int devices, int online, int deployments, Map<RolloutState, Integer> rollouts) {

  static Fleet of(
      List<DeviceView> devices, List<DeploymentView> deployments, Instant now, Duration window) {
    Instant since = now.minus(window);
    int online = 0;
    for (DeviceView device : devices) {
      if (device.lastSeenAt() != null && !device.lastSeenAt().isBefore(since)) {
        online++;
      }
    }
    Map<RolloutState, Integer> rollouts = new EnumMap<>(RolloutState.class);
    for (RolloutState state : RolloutState.values()) {
      rollouts.put(state, 0);
    }
    for (DeploymentView deployment : deployments) {
      DeploymentView.Counts counts = deployment.counts();
      for (RolloutState state : RolloutState.values()) {
        rollouts.merge(state, counts.of(state), Integer::sum);
      }
    }
    return new Fleet(devices.size(), online, deployments.size(), rollouts);
  }
}
