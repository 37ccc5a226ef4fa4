package dev.verge.agent.sync;

/** What the sync loop wants to know of, and say to, one bundle download. */
interface DownloadWatch {
  DownloadWatch NONE =
      new DownloadWatch() {
        @Override
        public void started() {}

        @Override
        public boolean superseded() {
          return false;
        }
      };

  /** A download from the hub starts (not called for a bundle kept already). */
  void started();

  /**
   * Whether to give the download up because the hub now asks for something else for this model;
   * checked about once a second while bytes are awaited.
   */
  boolean superseded();

  /** A try brought bytes before it broke off: the download makes progress. */
  default void progressed() {}

  /** A try broke off for {@code reason} and the download resumes by itself shortly. */
  default void resuming(String reason) {}
}
