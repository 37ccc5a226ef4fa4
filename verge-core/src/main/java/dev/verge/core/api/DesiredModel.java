package dev.verge.core.api;

/**
 * One model the device should serve: the bundle to fetch (by digest) and whether this deployment is
 * a rollback, the one case where the device accepts a lower version than it has installed.
 */
public record DesiredModel(
    String name,
    long version,
    String bundleDigest,
    long bundleSize,
    long deploymentId,
    boolean rollback) {}
