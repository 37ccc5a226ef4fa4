package dev.verge.hub.deploy;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceView;
import dev.verge.hub.HubException;
import dev.verge.hub.device.Labels;
import dev.verge.hub.store.DeploymentRow;
import dev.verge.hub.store.HubStore;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Deployments of published versions to the devices whose labels match a selector, all at once. The
 * status of each targeted device is worked out at query time from what devices report.
 */
public final class Deployments {
  private static final System.Logger LOG = System.getLogger(Deployments.class.getName());

  private final HubStore store;
  private final Clock clock;

  public Deployments(HubStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
  }

  /**
   * @throws HubException.InvalidInput when the model or version is missing or the selector invalid
   * @throws HubException.NoSuchVersion when that version is not published
   */
  public DeploymentView create(DeploymentRequest request) {
    if (request == null) {
      throw new HubException.InvalidInput(
          "the request body is empty; expected a JSON DeploymentRequest");
    }
    if (request.model() == null || request.model().isBlank()) {
      throw new HubException.InvalidInput("model is required");
    }
    if (request.version() < 1) {
      throw new HubException.InvalidInput("version must be 1 or more, got " + request.version());
    }
    Labels.requireValid(EqualitySelector.pairs(request.selector()), "selector");
    DeploymentRow row =
        store
            .addDeployment(request, clock.instant().truncatedTo(ChronoUnit.MILLIS))
            .orElseThrow(
                () ->
                    new HubException.NoSuchVersion(
                        "model '"
                            + request.model()
                            + "' has no published version "
                            + request.version()));
    LOG.log(
        System.Logger.Level.INFO,
        "Deployment {0}: {1} v{2} to {3}",
        String.valueOf(row.id()),
        row.model(),
        String.valueOf(row.version()),
        row.selector().isEmpty() ? "every device" : row.selector());
    return Rollouts.view(row, store.devices(), store.deployments());
  }

  /** Every deployment, newest first. */
  public List<DeploymentView> list() {
    List<DeviceView> devices = store.devices();
    List<DeploymentRow> all = store.deployments();
    return all.stream().map(row -> Rollouts.view(row, devices, all)).toList();
  }

  public DeploymentView get(long id) {
    DeploymentRow row =
        store.deployment(id).orElseThrow(() -> new HubException.NoSuchDeployment(id));
    return Rollouts.view(row, store.devices(), store.deployments());
  }
}
