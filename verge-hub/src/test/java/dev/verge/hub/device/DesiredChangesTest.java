package dev.verge.hub.device;

import static dev.verge.hub.store.StoreFixtures.enroll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import dev.verge.core.api.DesiredState;
import dev.verge.hub.store.DatabaseStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: each waiting long poll re-read its desired state every 200 ms, 5,000 reads a second
 * for 1,000 waiting devices. Polls now wait for a signal (re-reading rarely, for other hubs).
 */
class DesiredChangesTest {
  private static final DesiredModel PUMP_V2 = new DesiredModel("pump", 2, "d", 1, 7, false);

  @TempDir Path dir;
  private DatabaseStores stores;
  private final AtomicReference<List<DesiredModel>> models = new AtomicReference<>(List.of());
  private final AtomicInteger reads = new AtomicInteger();
  private final DesiredChanges changes = new DesiredChanges();
  private DesiredStates desired;

  @BeforeEach
  void open() {
    stores = DatabaseStores.open(dir.resolve("hub.db"));
    enroll(stores.devices(), "dev-1", Map.of());
    enroll(stores.devices(), "dev-2", Map.of());
    // A re-read interval far beyond the test: only a signal can end the wait early.
    desired =
        new DesiredStates(
            stores.devices(),
            d -> {
              reads.incrementAndGet();
              return models.get();
            },
            changes,
            Duration.ofHours(1));
  }

  @AfterEach
  void close() {
    desired.close();
    stores.close();
  }

  @Test
  void a_signal_answers_the_devices_waiting_poll_with_the_new_state() throws Exception {
    String known = desired.current("dev-1").revision();
    CompletableFuture<DesiredStates.Answer> poll =
        CompletableFuture.supplyAsync(
            () -> desired.poll("dev-1", known::equals, Duration.ofMinutes(10)));
    awaitReads(1); // The state was read once; from now on only a signal re-reads it.

    models.set(List.of(PUMP_V2));
    changes.signal("dev-2"); // Another device's signal does not end this wait ...
    assertThat(poll).isNotDone();
    changes.signal("dev-1"); // ... its own does.

    DesiredStates.Answer answer = poll.get(30, TimeUnit.SECONDS);
    assertThat(answer).isInstanceOf(DesiredStates.Answer.Changed.class);
    assertThat(((DesiredStates.Answer.Changed) answer).state().models()).containsExactly(PUMP_V2);
  }

  @Test
  void a_known_revision_is_answered_from_memory_until_a_signal_says_it_may_have_changed() {
    String known = desired.current("dev-1").revision();
    assertThat(reads).hasValue(1);

    for (int i = 0; i < 3; i++) {
      assertThat(desired.poll("dev-1", known::equals, Duration.ZERO))
          .isEqualTo(new DesiredStates.Answer.Unchanged(known));
    }
    assertThat(reads).hasValue(1);

    models.set(List.of(PUMP_V2));
    changes.signal("dev-1");
    DesiredStates.Answer after = desired.poll("dev-1", known::equals, Duration.ZERO);
    assertThat(after).isInstanceOf(DesiredStates.Answer.Changed.class);
    assertThat(((DesiredStates.Answer.Changed) after).state().models()).containsExactly(PUMP_V2);
    assertThat(reads).hasValue(2);
  }

  /**
   * A change committed (and signalled) while a poll was reading the older state must not leave that
   * older revision remembered: the next poll reads again and sees the change.
   */
  @Test
  void a_change_signalled_during_a_read_is_not_hidden_behind_the_revision_read() throws Exception {
    CountDownLatch reading = new CountDownLatch(1);
    CountDownLatch changed = new CountDownLatch(1);
    DesiredStates slow =
        new DesiredStates(
            stores.devices(),
            d -> {
              List<DesiredModel> before = models.get();
              reading.countDown();
              try {
                changed.await(30, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return before;
            },
            changes,
            Duration.ofHours(1));
    CompletableFuture<DesiredState> first =
        CompletableFuture.supplyAsync(() -> slow.current("dev-1"));
    assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
    models.set(List.of(PUMP_V2));
    changes.signal("dev-1");
    changed.countDown();
    String old = first.get(30, TimeUnit.SECONDS).revision();

    DesiredStates.Answer next = desired.poll("dev-1", old::equals, Duration.ZERO);

    assertThat(next).isInstanceOf(DesiredStates.Answer.Changed.class);
  }

  @Test
  void while_not_trusted_every_poll_reads_the_database() {
    changes.trusted(false);
    String known = desired.current("dev-1").revision();

    desired.poll("dev-1", known::equals, Duration.ZERO);
    desired.poll("dev-1", known::equals, Duration.ZERO);

    assertThat(reads).hasValue(3);
  }

  @Test
  void forget_all_makes_every_device_read_again() {
    String one = desired.current("dev-1").revision();
    String two = desired.current("dev-2").revision();

    changes.forgetAll();
    desired.poll("dev-1", one::equals, Duration.ZERO);
    desired.poll("dev-2", two::equals, Duration.ZERO);

    assertThat(reads).hasValue(4);
  }

  private void awaitReads(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (reads.get() < count) {
      assertThat(System.nanoTime()).as("the poll read its state").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void closing_ends_every_wait_with_the_state_as_it_is() throws Exception {
    String known = desired.current("dev-1").revision();
    CompletableFuture<DesiredStates.Answer> poll =
        CompletableFuture.supplyAsync(
            () -> desired.poll("dev-1", known::equals, Duration.ofMinutes(10)));

    desired.close();

    assertThat(poll.get(30, TimeUnit.SECONDS).revision()).isEqualTo(known);
  }
}
