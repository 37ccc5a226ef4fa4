package dev.verge.hub.device;

import dev.verge.core.api.DesiredModel;
import java.util.List;

/**
 * A device's desired models as the rollouts give them: per name the one its unversioned paths
 * serve, and the versions side-by-side deployments add beside those.
 */
public record DesiredModels(List<DesiredModel> models, List<DesiredModel> sideBySide) {
  public DesiredModels {
    models = List.copyOf(models);
    sideBySide = List.copyOf(sideBySide);
  }
}
