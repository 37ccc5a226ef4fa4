package dev.verge.hub.deploy;

import java.time.Instant;
import java.util.Map;

/** A stored deployment, with the digest and size of the bundle it deploys. */
public record DeploymentRow(
    long id,
    String model,
    long version,
    Map<String, String> selector,
    boolean rollback,
    Instant createdAt,
    String bundleDigest,
    long bundleSize) {
  public DeploymentRow {
    selector = selector == null ? Map.of() : Map.copyOf(selector);
  }
}
