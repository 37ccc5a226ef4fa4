package dev.verge.core.api;

import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Deploy a model version to the devices whose labels a selector matches, all at once or through a
 * rollout plan.
 *
 * @param selector a Kubernetes-style label selector ({@code site=plant-7,line!=3}); empty or null
 *     means every device
 * @param rollback lets devices go to a lower version than they have installed
 * @param priority among deployments of one model targeting one device, the highest wins (newest
 *     first on a tie), so a site-specific deployment can override a fleet-wide one; default 0
 * @param rollout canary, waves, soak time and health gates; null sends the version to every
 *     targeted device at once
 * @param window when devices may activate the version; null means at once
 * @param maxConcurrentDownloads at most this many devices of the rollout are given the version
 *     while they have not reported it active or failed; null means no limit
 * @param sideBySide the version is served beside the model's default version, on its versioned
 *     paths only, instead of replacing it: all at once (no rollout plan, no window), never
 *     overriding another deployment; rolling the deployment back stops serving it
 */
public record DeploymentRequest(
    String model,
    long version,
    String selector,
    boolean rollback,
    int priority,
    RolloutPlan rollout,
    MaintenanceWindow window,
    Integer maxConcurrentDownloads,
    boolean sideBySide) {
  public DeploymentRequest {
    selector = selector == null ? "" : selector.strip();
  }

  /** A deployment that gives the devices the version their unversioned paths serve. */
  public DeploymentRequest(
      String model,
      long version,
      String selector,
      boolean rollback,
      int priority,
      RolloutPlan rollout,
      MaintenanceWindow window,
      Integer maxConcurrentDownloads) {
    this(
        model,
        version,
        selector,
        rollback,
        priority,
        rollout,
        window,
        maxConcurrentDownloads,
        false);
  }

  /** All at once, priority 0, to the devices that have every one of {@code selector}'s pairs. */
  public DeploymentRequest(
      String model, long version, Map<String, String> selector, boolean rollback) {
    this(model, version, selectorOf(selector), rollback, 0, null, null, null);
  }

  /**
   * The selector text {@code k=v,k2=v2} (keys sorted) that matches every pair of {@code labels}.
   */
  public static String selectorOf(Map<String, String> labels) {
    StringJoiner text = new StringJoiner(",");
    if (labels != null) {
      new TreeMap<>(labels).forEach((k, v) -> text.add(k + "=" + v));
    }
    return text.toString();
  }
}
