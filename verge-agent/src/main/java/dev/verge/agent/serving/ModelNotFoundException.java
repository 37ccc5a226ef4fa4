package dev.verge.agent.serving;

import dev.verge.agent.AgentException;

/** A request named a model, or a version of it, that this agent does not serve. */
public final class ModelNotFoundException extends AgentException {
  public ModelNotFoundException(String name, Long version) {
    this(
        version == null
            ? "model '" + name + "' is not loaded"
            : "model '" + name + "' version " + version + " is not loaded");
  }

  private ModelNotFoundException(String message) {
    super(message);
  }

  /** A path whose version segment is not a number, so names no version at all. */
  static ModelNotFoundException noSuchVersion(String name, String version) {
    return new ModelNotFoundException(
        "model '" + name + "' has no version '" + version + "': versions are whole numbers");
  }
}
