package dev.verge.hub.device;

import java.time.Instant;
import java.util.Map;

/** A device about to be enrolled; the store keeps the credential only as its hash. */
public record NewDevice(
    String id,
    String name,
    Map<String, String> labels,
    String credentialHash,
    String agentVersion,
    String platform,
    Instant enrolledAt) {
  public NewDevice {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
