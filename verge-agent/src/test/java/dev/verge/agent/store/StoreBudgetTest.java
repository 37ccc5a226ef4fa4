package dev.verge.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full store, whether its budget or the disk: SQLite answers SQLITE_FULL the same way for both,
 * so a budget of a few pages exercises the full-disk path for real.
 */
class StoreBudgetTest {
  private static final long BUDGET = 256 * 1024;
  private static final JsonNode BULKY = Json.mapper().valueToTree(List.of("x".repeat(2_000)));

  @TempDir Path dir;
  private SqliteAgentStore store;

  @BeforeEach
  void open() {
    store = SqliteAgentStore.open(dir.resolve("agent.db"), BUDGET);
  }

  @AfterEach
  void close() {
    store.close();
  }

  @Test
  void refuses_a_prediction_when_full_of_predictions_the_hub_lacks() {
    int recorded = fill();

    assertThatThrownBy(() -> store.record(bulky("one-too-many")))
        .isInstanceOf(StoreFullException.class)
        .hasMessageContaining("is full (budget 256 KiB)")
        .hasMessageContaining("all " + recorded + " predictions in it still wait for the hub");
    assertThat(store.counters().served()).isEqualTo(recorded);
    assertThat(store.unsynced(10_000)).hasSize(recorded);
  }

  @Test
  void makes_room_by_deleting_the_oldest_forwarded_predictions_only() {
    int recorded = fill();
    List<PredictionRecord> all = store.unsynced(10_000);
    long firstSequence = all.getFirst().sequence();
    long lastForwarded = all.get(recorded / 2).sequence();
    store.markSynced(firstSequence, lastForwarded);
    int stillPending = recorded - (recorded / 2 + 1);

    long next = store.record(bulky("after-forwarding"));

    assertThat(next).isGreaterThan(all.getLast().sequence());
    List<PredictionRecord> pending = store.unsynced(10_000);
    assertThat(pending).hasSize(stillPending + 1);
    assertThat(pending.getLast().requestId()).isEqualTo("after-forwarding");
    // Totals survive the deletion of forwarded records.
    assertThat(store.counters().served()).isEqualTo(recorded + 1L);
  }

  @Test
  void a_metered_store_keeps_its_newest_predictions_when_full() {
    int recorded = fill();
    store.keepNewestWhenFull(true);

    for (int i = 0; i < recorded; i++) {
      store.record(bulky("newer" + i));
    }

    List<PredictionRecord> kept = store.unsynced(10_000);
    assertThat(kept.getLast().requestId()).isEqualTo("newer" + (recorded - 1));
    assertThat(kept).noneMatch(r -> r.requestId().equals("p0"));
    assertThat(kept.size()).isBetween(recorded / 2, recorded + 1);
    assertThat(store.counters().served()).isEqualTo(2L * recorded);
    // Back to refusing: the store is full of predictions the hub lacks again.
    store.keepNewestWhenFull(false);
    fillUp();
    assertThatThrownBy(() -> store.record(bulky("refused"))).isInstanceOf(StoreFullException.class);
  }

  private void fillUp() {
    try {
      for (int i = 0; i < 10_000; i++) {
        store.record(bulky("more" + i));
      }
    } catch (StoreFullException full) {
      return;
    }
  }

  @Test
  void tells_its_events_of_recorded_and_pruned_predictions_and_shows_its_usage() {
    store.close();
    Counted events = new Counted();
    store = SqliteAgentStore.open(dir.resolve("agent.db"), BUDGET, events);
    int recorded = fill();
    assertThat(events.recorded).isEqualTo(recorded);
    assertThat(events.pruned).isZero();
    StoreUsage full = store.usage();
    assertThat(full.budgetBytes()).isEqualTo(BUDGET);
    assertThat(full.sizeBytes()).isPositive().isLessThanOrEqualTo(BUDGET);
    assertThat(full.usedBytes()).isPositive().isLessThanOrEqualTo(full.sizeBytes());
    assertThat(full.pending()).isEqualTo(recorded);
    List<PredictionRecord> all = store.unsynced(10_000);
    store.markSynced(all.getFirst().sequence(), all.getLast().sequence());

    store.record(bulky("after-forwarding"));

    assertThat(events.recorded).isEqualTo(recorded + 1);
    assertThat(events.pruned).isPositive().isLessThanOrEqualTo(recorded);
    assertThat(store.usage().pending()).isEqualTo(1);
  }

  /** Counts what the store reports. */
  private static final class Counted implements StoreEvents {
    int recorded;
    int pruned;

    @Override
    public void recorded() {
      recorded++;
    }

    @Override
    public void pruned(int count) {
      pruned += count;
    }
  }

  @Test
  void keeps_its_budget_across_reopening() {
    int recorded = fill();
    store.close();

    store = SqliteAgentStore.open(dir.resolve("agent.db"), BUDGET);

    assertThatThrownBy(() -> store.record(bulky("still-full")))
        .isInstanceOf(StoreFullException.class);
    assertThat(store.unsynced(10_000)).hasSize(recorded);
  }

  /** Records bulky predictions until the store refuses one; returns how many it took. */
  private int fill() {
    for (int i = 0; i < 10_000; i++) {
      try {
        store.record(bulky("p" + i));
      } catch (StoreFullException full) {
        assertThat(i).as("predictions that fit in %d bytes", BUDGET).isGreaterThan(10);
        return i;
      }
    }
    throw new AssertionError("a " + BUDGET + " byte store took 10,000 predictions of 2 KB");
  }

  private static Prediction bulky(String requestId) {
    return new Prediction(Instant.now(), "pump", 1, 42, requestId, BULKY);
  }
}
