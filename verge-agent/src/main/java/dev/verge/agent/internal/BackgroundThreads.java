package dev.verge.agent.internal;

import java.time.Duration;

/** Shared by the agent's background loops; not API. */
public final class BackgroundThreads {
  private static final System.Logger LOG = System.getLogger(BackgroundThreads.class.getName());

  private BackgroundThreads() {}

  /**
   * Interrupts {@code thread} and waits up to 5 s for it to end, saying so when it does not.
   *
   * @param what the loop's name, for the warning
   */
  public static void stop(Thread thread, String what) {
    if (thread == null) {
      return;
    }
    thread.interrupt();
    try {
      if (!thread.join(Duration.ofSeconds(5))) {
        LOG.log(System.Logger.Level.WARNING, what + " did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
