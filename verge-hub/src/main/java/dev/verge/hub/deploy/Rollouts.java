package dev.verge.hub.deploy;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.ModelReport;
import dev.verge.core.api.RolloutPhase;
import dev.verge.core.api.RolloutState;
import dev.verge.hub.device.Labels;
import dev.verge.hub.store.DeploymentRow;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Where each device targeted by a deployment stands, derived from data at query time. */
final class Rollouts {
  private Rollouts() {}

  /**
   * @param devices every device
   * @param deployments every deployment, to find newer ones of the same model
   */
  static DeploymentView view(
      DeploymentRow deployment, List<DeviceView> devices, List<DeploymentRow> deployments) {
    List<DeploymentRow> newer =
        deployments.stream()
            .filter(d -> d.model().equals(deployment.model()) && d.id() > deployment.id())
            .toList();
    List<DeviceRollout> rollouts = new ArrayList<>();
    Map<RolloutState, Integer> counts = new EnumMap<>(RolloutState.class);
    for (DeviceView device : devices) {
      if (!Labels.matches(device.labels(), deployment.selector())) {
        continue;
      }
      DeviceRollout rollout = rollout(deployment, device, newer);
      rollouts.add(rollout);
      counts.merge(rollout.state(), 1, Integer::sum);
    }
    return new DeploymentView(
        deployment.id(),
        deployment.model(),
        deployment.version(),
        DeploymentRequest.selectorOf(deployment.selector()),
        deployment.rollback(),
        0,
        null,
        null,
        null,
        deployment.createdAt(),
        RolloutPhase.COMPLETED,
        "sent to every targeted device at once",
        null,
        List.of(),
        List.of(),
        new DeploymentView.Counts(
            rollouts.size(),
            counts.getOrDefault(RolloutState.PENDING, 0),
            0,
            0,
            counts.getOrDefault(RolloutState.ACTIVE, 0),
            counts.getOrDefault(RolloutState.FAILED, 0),
            0,
            counts.getOrDefault(RolloutState.SUPERSEDED, 0),
            0),
        rollouts);
  }

  private static DeviceRollout rollout(
      DeploymentRow deployment, DeviceView device, List<DeploymentRow> newer) {
    ModelReport report = report(device, deployment.model());
    Long active = report == null ? null : report.activeVersion();
    RolloutState state;
    String error = null;
    if (newer.stream().anyMatch(d -> Labels.matches(device.labels(), d.selector()))) {
      state = RolloutState.SUPERSEDED;
    } else if (active != null && active == deployment.version()) {
      state = RolloutState.ACTIVE;
    } else if (report != null && failedThis(report, deployment)) {
      state = RolloutState.FAILED;
      error = report.error();
    } else {
      state = RolloutState.PENDING;
    }
    return new DeviceRollout(device.id(), device.name(), 0, state, active, error);
  }

  /**
   * Whether the device's failure report is about this deployment: the same version, and the same
   * deployment where the device says which (a refusal of an earlier deployment of this version says
   * nothing about this one until the device has tried it).
   */
  private static boolean failedThis(ModelReport report, DeploymentRow deployment) {
    return Objects.equals(report.failedVersion(), deployment.version())
        && (report.failedDeployment() == null || report.failedDeployment() == deployment.id());
  }

  private static ModelReport report(DeviceView device, String model) {
    if (device.reported() == null) {
      return null;
    }
    return device.reported().models().stream()
        .filter(m -> model.equals(m.name()))
        .findFirst()
        .orElse(null);
  }
}
