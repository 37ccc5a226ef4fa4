package dev.verge.core.api;

import java.util.Map;

/**
 * Deploy a model version to every device whose labels include all of {@code selector}'s pairs (an
 * empty selector means every device). {@code rollback} lets devices go to a lower version.
 */
public record DeploymentRequest(
    String model, long version, Map<String, String> selector, boolean rollback) {
  public DeploymentRequest {
    selector = selector == null ? Map.of() : Map.copyOf(selector);
  }
}
