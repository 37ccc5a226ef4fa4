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
}
