package dev.verge.agent.store;

/**
 * How much of its budget the store takes.
 *
 * @param sizeBytes the database and its {@code -wal} and {@code -shm} files on disk, what the
 *     budget caps (the database does not shrink when predictions are deleted; their pages are
 *     reused)
 * @param usedBytes the pages that hold data
 * @param budgetBytes the cap, 0 when there is none
 * @param pending recorded predictions not yet acknowledged by the hub
 */
public record StoreUsage(long sizeBytes, long usedBytes, long budgetBytes, long pending) {}
