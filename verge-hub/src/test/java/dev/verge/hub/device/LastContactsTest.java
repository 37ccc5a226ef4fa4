package dev.verge.hub.device;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.enroll;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ReportedState;
import dev.verge.hub.store.DatabaseStores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LastContactsTest {
  private static final Duration SHORT = Duration.ofMillis(20);
  private static final Duration NEVER = Duration.ofHours(1);

  @TempDir Path dir;
  private DatabaseStores stores;
  private FailingTouches store;

  @BeforeEach
  void open() {
    stores = DatabaseStores.open(dir.resolve("hub.db"));
    store = new FailingTouches(stores.devices());
    enroll(store, "dev-1", Map.of());
    enroll(store, "dev-2", Map.of());
  }

  @AfterEach
  void close() {
    stores.close();
  }

  private Instant stored(String id) {
    return stores.devices().device(id).orElseThrow().lastSeenAt();
  }

  private static void await(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  @Test
  void contacts_are_written_in_the_background_and_never_move_back() throws Exception {
    try (LastContacts contacts = LastContacts.start(store, SHORT)) {
      contacts.seen("dev-1", T0.plusSeconds(10));
      contacts.seen("dev-1", T0.plusSeconds(5));
      contacts.seen("dev-2", T0.plusSeconds(7));

      await(() -> T0.plusSeconds(7).equals(stored("dev-2")));
      await(() -> T0.plusSeconds(10).equals(stored("dev-1")));
    }
  }

  @Test
  void this_hub_sees_a_contact_before_it_is_written() {
    try (LastContacts contacts = LastContacts.start(store, NEVER)) {
      contacts.seen("dev-1", T0.plusSeconds(3));

      assertThat(stored("dev-1")).isNull();
      assertThat(contacts.latest("dev-1", null)).isEqualTo(T0.plusSeconds(3));
      assertThat(contacts.latest("dev-1", T0.plusSeconds(9))).isEqualTo(T0.plusSeconds(9));
      assertThat(contacts.latest("dev-2", T0)).isEqualTo(T0);
    }
  }

  @Test
  void close_writes_what_is_left() {
    LastContacts contacts = LastContacts.start(store, NEVER);
    contacts.seen("dev-1", T0.plusSeconds(4));

    contacts.close();

    assertThat(stored("dev-1")).isEqualTo(T0.plusSeconds(4));
  }

  @Test
  void a_failed_write_even_an_error_is_counted_and_retried_on_the_next_tick() throws Exception {
    store.failures.set(2);
    try (LastContacts contacts = LastContacts.start(store, SHORT)) {
      contacts.seen("dev-1", T0.plusSeconds(2));

      await(() -> T0.plusSeconds(2).equals(stored("dev-1")));

      assertThat(contacts.failedFlushes()).isEqualTo(2);
    }
  }

  @Test
  void a_contact_noted_during_a_write_is_kept_for_the_next() {
    LastContacts contacts = LastContacts.start(store, NEVER);
    store.during = () -> contacts.seen("dev-1", T0.plusSeconds(8));
    contacts.seen("dev-1", T0.plusSeconds(1));

    contacts.flush();
    assertThat(stored("dev-1")).isEqualTo(T0.plusSeconds(1));
    store.during = () -> {};
    contacts.close();

    assertThat(stored("dev-1")).isEqualTo(T0.plusSeconds(8));
  }

  /** The real store, whose {@code touchDevices} fails (with an Error) a given number of times. */
  private static final class FailingTouches implements DeviceStore {
    final AtomicInteger failures = new AtomicInteger();
    volatile Runnable during = () -> {};
    private final DeviceStore real;

    FailingTouches(DeviceStore real) {
      this.real = real;
    }

    @Override
    public void touchDevices(Map<String, Instant> seenAt) {
      if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new AssertionError("the disk is on fire");
      }
      real.touchDevices(seenAt);
      during.run();
    }

    @Override
    public void addEnrollmentToken(
        String tokenHash, Instant createdAt, Instant expiresAt, String note) {
      real.addEnrollmentToken(tokenHash, createdAt, expiresAt, note);
    }

    @Override
    public boolean enroll(String tokenHash, Instant now, NewDevice device) {
      return real.enroll(tokenHash, now, device);
    }

    @Override
    public Optional<String> deviceIdByCredential(String credentialHash) {
      return real.deviceIdByCredential(credentialHash);
    }

    @Override
    public Optional<Device> device(String id) {
      return real.device(id);
    }

    @Override
    public List<Device> devices() {
      return real.devices();
    }

    @Override
    public List<Device> search(DeviceQuery query) {
      return real.search(query);
    }

    @Override
    public Counts count(Instant since) {
      return real.count(since);
    }

    @Override
    public Optional<Device> changeOperatorLabels(String id, UnaryOperator<OperatorLabels> change) {
      return real.changeOperatorLabels(id, change);
    }

    @Override
    public boolean saveReported(String id, ReportedState state, Instant reportedAt) {
      return real.saveReported(id, state, reportedAt);
    }
  }
}
