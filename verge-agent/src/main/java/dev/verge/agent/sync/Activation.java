package dev.verge.agent.sync;

/** What became of one attempt to make a model version serve. */
sealed interface Activation {
  String model();

  long version();

  /** The version serves now; {@code replaced} is the version it took over from, if any. */
  record Activated(String model, long version, Long replaced) implements Activation {}

  /** A check refused the version; whatever served before still does. */
  record Failed(String model, long version, Check check, String error) implements Activation {}
}
