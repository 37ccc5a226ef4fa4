package dev.verge.agent.sync;

import java.util.Locale;

/** Where the agent stands with the hub's desired state. */
public enum SyncState {
  /** No answer from the hub yet since the agent started. */
  STARTING,
  /** The last poll reached the hub and every desired version serves. */
  IN_SYNC,
  /** The hub was reached but some desired version does not serve (installing, or refused). */
  BEHIND,
  /** The last poll could not reach the hub; what served goes on serving. */
  OFFLINE;

  /** The label value, e.g. {@code in_sync}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
