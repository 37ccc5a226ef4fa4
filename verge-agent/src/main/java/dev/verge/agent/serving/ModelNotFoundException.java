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

  /**
   * A model that serves, but not the version asked for: the message says which versions do, so a
   * caller sees at once which path to use.
   *
   * @param version the version asked for, null for the default one
   */
  static ModelNotFoundException notAmong(
      String name, Long version, java.util.SortedSet<Long> served) {
    String list = String.join(", ", served.stream().map(v -> Long.toString(v)).toList());
    String servedText =
        (served.size() == 1 ? "version " : "versions ")
            + list
            + " serve"
            + (served.size() == 1 ? "s" : "");
    return new ModelNotFoundException(
        version == null
            ? "model '"
                + name
                + "' has no default version loaded; "
                + servedText
                + " on /v2/models/"
                + name
                + "/versions/{version}"
            : "model '" + name + "' version " + version + " is not loaded; " + servedText);
  }

  /** A path whose version segment is not a number, so names no version at all. */
  static ModelNotFoundException noSuchVersion(String name, String version) {
    return new ModelNotFoundException(
        "model '" + name + "' has no version '" + version + "': versions are whole numbers");
  }
}
