package dev.verge.hub.deploy;

import dev.verge.core.api.DeploymentRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Deployments of published model versions. Safe for concurrent use; each method is one transaction.
 * Failures are {@link dev.verge.hub.HubException.StoreFailure} or {@link
 * dev.verge.hub.HubException.StoreBusy}. Instants are kept to the millisecond.
 */
public interface DeploymentStore {
  /**
   * Adds a deployment of a published version.
   *
   * @return empty, adding nothing, when that model version is not published
   */
  Optional<DeploymentRow> addDeployment(DeploymentRequest request, Instant createdAt);

  Optional<DeploymentRow> deployment(long id);

  /** Every deployment, newest (highest id) first. */
  List<DeploymentRow> deployments();
}
