package dev.verge.agent.store;

/**
 * A version served beside its model's default version, as the side-by-side deployment {@code
 * deploymentId} asked; its bundle is kept by {@code digest}.
 */
public record BesideVersion(String model, long version, String digest, long deploymentId) {}
