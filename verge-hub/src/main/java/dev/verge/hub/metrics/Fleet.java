package dev.verge.hub.metrics;

import dev.verge.core.api.DeviceView;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** What the fleet gauges show, taken from one read of the devices and rollouts. */
record Fleet(
    int devices,
    int online,
    int deployments,
    Map<RolloutState, Integer> rollouts,
    Map<RolloutPhase, Integer> phases) {

  static Fleet of(
      List<DeviceView> devices,
      Map<RolloutPhase, Integer> phases,
      Map<RolloutState, Integer> deviceStates,
      Instant now,
      Duration window) {
    Instant since = now.minus(window);
    int online = 0;
    for (DeviceView device : devices) {
      if (device.lastSeenAt() != null && !device.lastSeenAt().isBefore(since)) {
        online++;
      }
    }
    Map<RolloutState, Integer> rollouts = new EnumMap<>(RolloutState.class);
    for (RolloutState state : RolloutState.values()) {
      rollouts.put(state, deviceStates.getOrDefault(state, 0));
    }
    Map<RolloutPhase, Integer> byPhase = new EnumMap<>(RolloutPhase.class);
    int deployments = 0;
    for (RolloutPhase phase : RolloutPhase.values()) {
      int n = phases.getOrDefault(phase, 0);
      byPhase.put(phase, n);
      deployments += n;
    }
    return new Fleet(devices.size(), online, deployments, rollouts, byPhase);
  }
}
