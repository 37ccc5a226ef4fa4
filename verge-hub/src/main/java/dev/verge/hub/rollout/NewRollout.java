package dev.verge.hub.rollout;

import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPlan;

/** A rollout to add: what the operator asked for, checked, with the bundle it deploys. */
record NewRollout(
    String model,
    long version,
    String bundleDigest,
    long bundleSize,
    String selector,
    boolean rollback,
    int priority,
    RolloutPlan plan,
    MaintenanceWindow window,
    Integer maxConcurrentDownloads,
    boolean sideBySide) {

  /** A rollout of the version the devices' unversioned paths serve. */
  NewRollout(
      String model,
      long version,
      String bundleDigest,
      long bundleSize,
      String selector,
      boolean rollback,
      int priority,
      RolloutPlan plan,
      MaintenanceWindow window,
      Integer maxConcurrentDownloads) {
    this(
        model,
        version,
        bundleDigest,
        bundleSize,
        selector,
        rollback,
        priority,
        plan,
        window,
        maxConcurrentDownloads,
        false);
  }
}
