package dev.verge.agent.store;

/**
 * Prediction totals since the store was created.
 *
 * @param pending recorded predictions not yet acknowledged by the hub
 */
public record Counters(long served, long failed, long pending) {}
