package dev.verge.core.api;

/**
 * The optional body of {@code POST /api/v1/deployments/{id}/pause|resume|abort|rollback}.
 *
 * @param reason why, recorded with the transition; null for a default one ("paused by an operator")
 */
public record RolloutAction(String reason) {
  /** A reason is a sentence for the transition log, not a document. */
  public static final int MAX_REASON = 500;
}
