package dev.verge.agent.store;

/**
 * How a store budget is split between the database and its write-ahead log, so that the three files
 * on disk ({@code agent.db}, {@code -wal}, {@code -shm}) stay within it together.
 *
 * <p>A WAL grows by one frame (a page and a 24-byte header) per page a transaction writes, and
 * SQLite starts it over from its first frame once a checkpoint has copied every frame into the
 * database. With one connection and no readers, the checkpoint SQLite runs after the commit that
 * passes {@code wal_autocheckpoint} frames always completes, so the log never holds more than that
 * many frames plus one transaction's. The log's share of the budget is therefore split in two: half
 * for the frames before a checkpoint, half for the largest transaction, which the store keeps below
 * {@link #writeLimitBytes} (the capture writer's batches, a pruning pass). {@code
 * journal_size_limit} truncates a log that grew past its share anyway (a single record larger than
 * the limit) when it starts over. The database itself is capped by {@code max_page_count}.
 *
 * @param budgetBytes the whole budget, 0 for none
 * @param pageSize the database's page size
 * @param maxPageCount the database's pages at most ({@code max_page_count}); 0 for no cap
 * @param checkpointPages {@code wal_autocheckpoint}
 * @param journalLimitBytes {@code journal_size_limit}
 * @param writeLimitBytes the most record bytes (JSON) one transaction should carry
 */
record StoreBudget(
    long budgetBytes,
    long pageSize,
    long maxPageCount,
    long checkpointPages,
    long journalLimitBytes,
    long writeLimitBytes) {

  /** The log's share of a budget is a quarter of it, at most this. */
  static final long MAX_WAL_SHARE = 16L * 1024 * 1024;

  /** The {@code -shm} index: 32 KiB, enough for 4,096 frames (16 MiB of 4 KiB pages). */
  static final long SHM_BYTES = 32 * 1024;

  static final long WAL_HEADER_BYTES = 32;
  static final long FRAME_HEADER_BYTES = 24;

  /** Pages a transaction writes beside its records' own: index, counters, sequence, b-tree. */
  static final long SLACK_PAGES = 8;

  /** With no budget: SQLite's own checkpoint interval, and a log trimmed back to 16 MiB. */
  private static final long UNBUDGETED_CHECKPOINT_PAGES = 1000;

  private static final long UNBUDGETED_WRITE_LIMIT = 4L * 1024 * 1024;

  /** The split of {@code budgetBytes} (0 for none) for pages of {@code pageSize} bytes. */
  static StoreBudget of(long budgetBytes, long pageSize) {
    if (budgetBytes <= 0) {
      return new StoreBudget(
          0, pageSize, 0, UNBUDGETED_CHECKPOINT_PAGES, MAX_WAL_SHARE, UNBUDGETED_WRITE_LIMIT);
    }
    long walShare = Math.min(MAX_WAL_SHARE, budgetBytes / 4);
    long frames = Math.max(2, (walShare - SHM_BYTES - WAL_HEADER_BYTES) / (pageSize + 24));
    long checkpoint = Math.max(1, frames / 2);
    long transactionPages = frames - checkpoint - SLACK_PAGES;
    // A record's JSON takes a little more than its length in pages (b-tree cells, overflow links):
    // half the pages' bytes leaves room for that.
    long writeLimit = Math.max(pageSize, transactionPages * pageSize / 2);
    return new StoreBudget(
        budgetBytes,
        pageSize,
        Math.max(1, (budgetBytes - walShare) / pageSize),
        checkpoint,
        Math.max(0, walShare - SHM_BYTES),
        writeLimit);
  }

  /** The database's share: {@link #maxPageCount} pages. */
  long databaseBytes() {
    return maxPageCount * pageSize;
  }
}
