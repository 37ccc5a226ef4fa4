package dev.verge.agent.sync;

/**
 * Whether the hub answered the last call of one loop, so that the loop logs when the link goes down
 * and comes back, once each, rather than every failed attempt.
 */
public final class HubLink {
  private static final System.Logger LOG = System.getLogger(HubLink.class.getName());

  private final String loop;
  private boolean up = true;
  private String lastProblem;

  public HubLink(String loop) {
    this.loop = loop;
  }

  public synchronized void reached() {
    if (!up) {
      up = true;
      lastProblem = null;
      LOG.log(System.Logger.Level.INFO, "{0}: hub reachable again", loop);
    }
  }

  public synchronized void failed(HubException e) {
    String problem = e.getClass().getSimpleName();
    if (up || !problem.equals(lastProblem)) {
      LOG.log(
          System.Logger.Level.WARNING,
          "{0}: {1}; serving continues, retrying with backoff",
          loop,
          e.getMessage());
    } else {
      LOG.log(System.Logger.Level.DEBUG, "{0}: still failing: {1}", loop, e.getMessage());
    }
    up = false;
    lastProblem = problem;
  }

  public synchronized boolean isUp() {
    return up;
  }
}
