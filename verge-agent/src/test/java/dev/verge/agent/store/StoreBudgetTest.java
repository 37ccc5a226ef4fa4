package dev.verge.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.agent.Eventually;
import dev.verge.agent.capture.CaptureConfig;
import dev.verge.agent.capture.CaptureMetrics;
import dev.verge.agent.capture.CapturePolicy;
import dev.verge.agent.capture.PredictionCapture;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import dev.verge.core.oip.DataType;
import dev.verge.core.oip.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
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

  /**
   * Issue 9: {@code --max-store-mb 1} left a 4 MB WAL beside the database. Under capture load (one
   * writer committing batches, forwarding and pruning between fills), the database, its log and its
   * index together never pass the budget, and the full store is refused cleanly, never corrupted.
   */
  @Test
  void a_one_mib_budget_covers_the_database_and_its_log_under_capture_load() throws Exception {
    store.close();
    long budget = 1024 * 1024;
    Path file = dir.resolve("small.db");
    store = SqliteAgentStore.open(file, budget);
    AtomicLong largest = new AtomicLong();
    AtomicLong wal = new AtomicLong();
    AtomicBoolean measuring = new AtomicBoolean(true);
    Thread sampler =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (measuring.get()) {
                    largest.accumulateAndGet(onDisk(file), Math::max);
                    wal.accumulateAndGet(size(Path.of(file + "-wal")), Math::max);
                    LockSupport.parkNanos(100_000);
                  }
                });
    List<Tensor> inputs = List.of(floats("input", 40));
    List<Tensor> outputs = List.of(floats("output", 40));
    int refusals = 0;
    long answered = 0;
    try (PredictionCapture capture =
        PredictionCapture.start(
            store,
            CaptureConfig.defaults()
                .withQueue(256, CaptureConfig.WhenFull.WAIT)
                .withPolicy(CapturePolicy.EVERY.withInputs(true)),
            CaptureMetrics.NONE)) {
      // Fill, forward half, fill again: records, pruning and marking share the log.
      while (refusals < 4) {
        try {
          capture.served("pump", 1, "r" + answered, Instant.now(), 1, inputs, outputs);
          answered++;
        } catch (StoreFullException full) {
          refusals++;
          assertThat(full).hasMessageContaining("is full (budget 1 MiB)");
          forwardAll();
          Eventually.await("room again", () -> !capture.full());
        }
        assertThat(answered).as("records a 1 MiB store took").isLessThan(200_000);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!capture.drain(Duration.ofMillis(100))) {
        assertThat(System.nanoTime()).as("the backlog written in time").isLessThan(deadline);
        forwardAll();
      }
    } finally {
      measuring.set(false);
      sampler.join();
    }
    largest.accumulateAndGet(onDisk(file), Math::max);

    assertThat(answered).as("records of ~2 KB through four fills").isGreaterThan(500);
    assertThat(largest.get())
        .as("database + -wal + -shm at their largest (the -wal at most %d)", wal.get())
        .isLessThanOrEqualTo(budget);
    assertThat(store.usage().sizeBytes()).isLessThanOrEqualTo(budget);
    store.close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("ok");
    }
    store = SqliteAgentStore.open(file, budget);
  }

  /**
   * Issue 9, found filling a real full disk (a 3 MiB tmpfs): when the log cannot grow, SQLite rolls
   * the whole transaction back by itself; sqlite-jdbc's own rollback then failed, and every later
   * statement ran outside a transaction and every commit failed ("no transaction is active"), so
   * answered records were dropped. A trigger's RAISE(ROLLBACK) makes SQLite do the same here.
   */
  @Test
  void a_transaction_sqlite_rolled_back_itself_leaves_the_store_working_and_atomic()
      throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("agent.db"));
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TRIGGER as_a_full_disk BEFORE INSERT ON predictions"
              + " WHEN NEW.request_id = 'poison' BEGIN SELECT RAISE(ROLLBACK, 'rolled back'); END");
    }
    assertThatThrownBy(() -> store.record(bulky("poison")))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("rolled back");

    assertThatThrownBy(() -> store.recordAll(List.of(bulky("kept?"), bulky("poison")), 0, 0))
        .isInstanceOf(StoreException.class);
    store.record(bulky("after"));

    assertThat(store.unsynced(10))
        .as("the batch that failed left nothing; the next one is committed")
        .extracting(PredictionRecord::requestId)
        .containsExactly("after");
    assertThat(store.counters().served()).isEqualTo(1);
  }

  /** What forwarding does: the hub takes every pending prediction, pruning may delete them. */
  private void forwardAll() {
    List<PredictionRecord> pending = store.unsynced(100_000);
    if (!pending.isEmpty()) {
      store.markSynced(pending.getFirst().sequence(), pending.getLast().sequence());
    }
  }

  private static long onDisk(Path db) {
    return size(db) + size(Path.of(db + "-wal")) + size(Path.of(db + "-shm"));
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException gone) {
      return 0; // not there (yet, or any more)
    }
  }

  private static Tensor floats(String name, int rows) {
    float[] values = new float[rows * 2];
    for (int i = 0; i < values.length; i++) {
      values[i] = 0.123456789f * i;
    }
    return new Tensor(name, DataType.FP32, new long[] {rows, 2}, values);
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
