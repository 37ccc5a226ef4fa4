package dev.verge.agent.store;

import java.util.Objects;

/**
 * Who this device is to the hub. The credential is a secret: {@link #toString()} never prints it.
 */
public record Identity(String deviceId, String credential) {
  public Identity {
    Objects.requireNonNull(deviceId, "deviceId");
    Objects.requireNonNull(credential, "credential");
  }

  @Override
  public String toString() {
    return "Identity[deviceId=" + deviceId + ", credential=***]";
  }
}
