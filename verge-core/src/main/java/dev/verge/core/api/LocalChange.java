package dev.verge.core.api;

import java.time.Instant;

/**
 * A change made on the device itself through the model repository extension ({@code POST
 * /v2/repository/models/{name}/load} or {@code /unload}), in effect until the hub's desired state
 * next changes or the agent restarts: reported so operators see a device that serves other than the
 * hub asks.
 *
 * @param version for {@link Action#LOADED}, the version loaded; null for {@link Action#UNLOADED}
 *     (every version of the model)
 */
public record LocalChange(Action action, Long version, Instant at) {

  public enum Action {
    /** A version loaded locally: from a bundle kept on the device, not asked for by the hub. */
    LOADED,
    /** The model unloaded locally: none of its versions serves, though the hub asks for them. */
    UNLOADED
  }
}
