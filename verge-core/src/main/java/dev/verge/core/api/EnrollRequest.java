package dev.verge.core.api;

import java.util.Map;

/** Device to hub, with the one-time enrollment token as bearer: who this device is. */
public record EnrollRequest(
    String name, Map<String, String> labels, String agentVersion, String platform) {
  public EnrollRequest {
    labels = labels == null ? Map.of() : Map.copyOf(labels);
  }
}
