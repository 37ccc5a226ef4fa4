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
    CompletableFuture<DesiredState> poll =
        CompletableFuture.supplyAsync(
            () -> desired.await("dev-1", known::equals, Duration.ofMinutes(10)));
    awaitReads(2); // The poll has read the state once; from now on only a signal re-reads it.

    models.set(List.of(PUMP_V2));
    changes.signal("dev-2"); // Another device's signal does not end this wait ...
    assertThat(poll).isNotDone();
    changes.signal("dev-1"); // ... its own does.

    assertThat(poll.get(30, TimeUnit.SECONDS).models()).containsExactly(PUMP_V2);
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
    CompletableFuture<DesiredState> poll =
        CompletableFuture.supplyAsync(
            () -> desired.await("dev-1", known::equals, Duration.ofMinutes(10)));

    desired.close();

    assertThat(poll.get(30, TimeUnit.SECONDS).revision()).isEqualTo(known);
  }
}
