package dev.verge.agent.sync;

/** Told of bundle downloads and install outcomes, for the agent's metrics. */
public interface SyncMetrics {
  SyncMetrics NONE =
      new SyncMetrics() {
        @Override
        public void downloaded(boolean complete, long bytes) {}

        @Override
        public void installed(String outcome) {}
      };

  /**
   * One download attempt ended.
   *
   * @param complete whether the whole bundle is now on disk (its digest is checked next)
   * @param bytes the bytes this attempt received
   */
  void downloaded(boolean complete, long bytes);

  /**
   * One attempt to make a desired version serve ended.
   *
   * @param outcome {@code activated}, or the check that refused it, e.g. {@code signature}
   */
  void installed(String outcome);

  /**
   * The device went back from a version by itself, or refused it for good, without the hub.
   *
   * @param reason {@code load}, {@code samples}, {@code crash_loop} or {@code health}
   */
  default void rolledBack(String reason) {}

  /**
   * Bundle garbage collection deleted {@code count} files of {@code bytes} in all.
   *
   * @param count how many bundle files (whole or partial) went
   */
  default void collected(int count, long bytes) {}
}
