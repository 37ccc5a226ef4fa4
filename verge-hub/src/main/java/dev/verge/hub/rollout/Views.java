package dev.verge.hub.rollout;

import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.device.Device;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** A stored rollout as the API shows it. */
final class Views {
  private Views() {}

  static DeploymentView view(
      Rollout r,
      List<Wave> waves,
      List<Member> members,
      List<Transition> transitions,
      Map<String, Device> devices) {
    List<DeploymentView.WaveView> waveViews = new ArrayList<>();
    for (Wave w : waves) {
      List<Member> in = members.stream().filter(m -> m.wave() == w.index()).toList();
      waveViews.add(
          new DeploymentView.WaveView(
              w.index(),
              w.name(),
              w.target(),
              in.size(),
              w.phase(),
              w.startedAt(),
              w.soakUntil(),
              counts(in),
              w.gates()));
    }
    List<DeviceRollout> devicesView = new ArrayList<>();
    for (Member m : members) {
      Device d = devices.get(m.deviceId());
      devicesView.add(
          new DeviceRollout(
              m.deviceId(),
              d == null ? null : d.name(),
              m.wave(),
              m.state(),
              m.activeVersion(),
              m.reason()));
    }
    return new DeploymentView(
        r.id(),
        r.model(),
        r.version(),
        r.selector(),
        r.rollback(),
        r.priority(),
        r.plan(),
        r.window(),
        r.maxConcurrentDownloads(),
        r.createdAt(),
        r.phase(),
        r.reason(),
        r.currentWave(),
        waveViews,
        transitions.stream()
            .map(t -> new DeploymentView.Transition(t.at(), t.from(), t.to(), t.wave(), t.reason()))
            .toList(),
        counts(members),
        devicesView,
        r.sideBySide());
  }

  static DeploymentView.Counts counts(List<Member> members) {
    Map<RolloutState, Integer> c = new EnumMap<>(RolloutState.class);
    for (Member m : members) {
      c.merge(m.state(), 1, Integer::sum);
    }
    return new DeploymentView.Counts(
        members.size(),
        c.getOrDefault(RolloutState.PENDING, 0),
        c.getOrDefault(RolloutState.DOWNLOADING, 0),
        c.getOrDefault(RolloutState.WAITING_FOR_WINDOW, 0),
        c.getOrDefault(RolloutState.ACTIVE, 0),
        c.getOrDefault(RolloutState.FAILED, 0),
        c.getOrDefault(RolloutState.ROLLED_BACK, 0),
        c.getOrDefault(RolloutState.SUPERSEDED, 0),
        c.getOrDefault(RolloutState.UNREACHABLE, 0));
  }
}
