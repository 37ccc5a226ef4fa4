package dev.verge.agent.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The arithmetic of {@link StoreBudget}: database, log and index add up to the budget. */
class StoreBudgetSplitTest {
  private static final long MIB = 1024 * 1024;

  @Test
  void the_database_the_log_and_its_index_fit_the_budget() {
    for (long budget : new long[] {MIB, 4 * MIB, 64 * MIB, 256 * MIB, 4096 * MIB}) {
      StoreBudget split = StoreBudget.of(budget, 4096);
      // Fewer frames than the checkpoint's before the commit that passes it, then the largest
      // transaction's.
      long frames = split.checkpointPages() - 1 + pagesOf(split.writeLimitBytes());
      long logAtMost = StoreBudget.WAL_HEADER_BYTES + frames * (4096 + 24);

      assertThat(split.databaseBytes() + StoreBudget.SHM_BYTES + split.journalLimitBytes())
          .as("budget %d", budget)
          .isLessThanOrEqualTo(budget);
      assertThat(logAtMost).as("budget %d", budget).isLessThanOrEqualTo(split.journalLimitBytes());
    }
  }

  @Test
  void a_quarter_goes_to_the_log_up_to_sixteen_mib() {
    assertThat(StoreBudget.of(MIB, 4096).databaseBytes()).isEqualTo(768 * 1024);
    assertThat(StoreBudget.of(256 * MIB, 4096).databaseBytes()).isEqualTo(240 * MIB);
    assertThat(StoreBudget.of(256 * MIB, 4096).journalLimitBytes())
        .isEqualTo(16 * MIB - StoreBudget.SHM_BYTES);
  }

  @Test
  void no_budget_caps_nothing_but_trims_the_log() {
    StoreBudget none = StoreBudget.of(0, 4096);

    assertThat(none.maxPageCount()).isZero();
    assertThat(none.journalLimitBytes()).isEqualTo(16 * MIB);
  }

  /** Pages a transaction of {@code bytes} of records writes at most: twice its bytes, and slack. */
  private static long pagesOf(long bytes) {
    return 2 * bytes / 4096 + StoreBudget.SLACK_PAGES;
  }
}
