package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The power cut's check in records: a buffered cut may lose each load thread's tail, no more. */
class LedgerTest {
  private static Ledger answered(String... ids) {
    Ledger ledger = new Ledger();
    for (String id : ids) {
      ledger.acknowledged(id);
    }
    return ledger;
  }

  @Test
  void each_threads_last_records_lost_is_no_hole() {
    Ledger ledger = answered("p7-2-0-0", "p7-2-0-1", "p7-2-0-2", "p7-2-1-0", "p7-2-1-1");

    assertThat(ledger.holes(List.of("p7-2-0-1", "p7-2-0-2", "p7-2-1-1"), "p7-2")).isEmpty();
    assertThat(ledger.holes(List.of(), "p7-2")).isEmpty();
  }

  @Test
  void a_record_kept_after_a_lost_one_of_its_thread_is_a_hole() {
    Ledger ledger = answered("p7-2-0-0", "p7-2-0-1", "p7-2-0-2", "p7-2-1-0");

    assertThat(ledger.holes(List.of("p7-2-0-0"), "p7-2"))
        .containsExactly(
            "p7-2-0-1 kept, though p7-2-0-0 was lost", "p7-2-0-2 kept, though p7-2-0-0 was lost");
  }

  @Test
  void another_cuts_records_are_not_this_cuts_even_when_its_number_starts_the_same() {
    // Cut 2's prefix p7-2 is also the start of cut 20's p7-20.
    Ledger ledger = answered("p7-2-0-0", "p7-2-0-1", "p7-20-0-5");

    assertThat(ledger.holes(List.of("p7-2-0-1"), "p7-2")).isEmpty();
    assertThat(ledger.holes(List.of("p7-2-0-0"), "p7-2")).hasSize(1);
  }
}
