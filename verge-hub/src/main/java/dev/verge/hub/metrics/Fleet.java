package dev.verge.hub.metrics;

import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.device.DeviceStore;
import java.util.EnumMap;
import java.util.Map;

/** What the fleet gauges show, taken from one read of the devices and rollouts. */
record Fleet(
    int devices,
    int online,
    int deployments,
    Map<RolloutState, Integer> rollouts,
    Map<RolloutPhase, Integer> phases) {

  static Fleet of(
      DeviceStore.Counts devices,
      Map<RolloutPhase, Integer> phases,
      Map<RolloutState, Integer> deviceStates) {
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
    return new Fleet(
        (int) devices.devices(), (int) devices.online(), deployments, rollouts, byPhase);
  }
}
