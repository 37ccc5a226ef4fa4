package dev.verge.core.api;

/**
 * One model the device should serve: the bundle to fetch (by digest) and whether this deployment is
 * a rollback, the one case where the device accepts a lower version than it has installed. With a
 * {@code window}, the device fetches and verifies at once but activates only inside it; null: at
 * once.
 */
public record DesiredModel(
    String name,
    long version,
    String bundleDigest,
    long bundleSize,
    long deploymentId,
    boolean rollback,
    MaintenanceWindow window) {

  /** A model the device may activate at any time. */
  public DesiredModel(
      String name,
      long version,
      String bundleDigest,
      long bundleSize,
      long deploymentId,
      boolean rollback) {
    this(name, version, bundleDigest, bundleSize, deploymentId, rollback, null);
  }
}
