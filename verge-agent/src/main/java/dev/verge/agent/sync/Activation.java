package dev.verge.agent.sync;

/** What became of one attempt to make a model version serve. */
sealed interface Activation {
  String model();

  long version();

  /** The version serves now; {@code replaced} is the version it took over from, if any. */
  record Activated(String model, long version, Long replaced) implements Activation {}

  /**
   * A check refused the version; whatever served before still does.
   *
   * @param retryable whether the failure is transient (the hub or the link was down, a download
   *     stalled) and the device simply tries again: the version is not refused, only late
   */
  record Failed(String model, long version, Check check, String error, boolean retryable)
      implements Activation {
    Failed(String model, long version, Check check, String error) {
      this(model, version, check, error, false);
    }
  }
}
