package dev.verge.core.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A deployment and where each targeted device stands with it. */
public record DeploymentView(
    long id,
    String model,
    long version,
    Map<String, String> selector,
    boolean rollback,
    Instant createdAt,
    Counts counts,
    List<DeviceRollout> devices) {

  /** How many targeted devices are in each state. */
  public record Counts(int targeted, int active, int pending, int failed, int superseded) {}
}
