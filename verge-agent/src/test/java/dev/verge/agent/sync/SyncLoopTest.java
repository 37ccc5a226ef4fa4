package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.agent.Engines;
import dev.verge.agent.Eventually;
import dev.verge.agent.FakeHub;
import dev.verge.agent.TestBundles;
import dev.verge.agent.health.HealthCounters;
import dev.verge.agent.serving.ModelRegistry;
import dev.verge.agent.store.Identity;
import dev.verge.agent.store.SqliteAgentStore;
import dev.verge.core.signing.TrustStore;
import dev.verge.core.testing.TestClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The background sync loop with a stand-in for push (connected or not, at the test's word): woken,
 * it polls at once and without a long poll; without push it long-polls. The poll interval is an
 * hour and the fake hub answers a long poll at once, so the loop polls only when woken, or 30 s
 * later without push.
 */
class SyncLoopTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private final FakeHub hub = new FakeHub();
  private final HubClient anonymous = new HubClient(hub.url());
  private final AtomicBoolean pushed = new AtomicBoolean(true);
  private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:00:00Z"));
  private SqliteAgentStore store;
  private ModelRegistry registry;
  private SyncLoop loop;

  @BeforeEach
  void build() throws Exception {
    TestBundles bundles = new TestBundles(dir.resolve("publisher"));
    store = SqliteAgentStore.open(dir.resolve("agent.db"));
    registry = new ModelRegistry();
    Path folder = Files.createDirectories(dir.resolve("bundles"));
    loop =
        new SyncLoop(
            anonymous.as(new Identity(FakeHub.DEVICE_ID, FakeHub.CREDENTIAL)),
            Engines.ONNX,
            TrustStore.load(List.of(bundles.publicKey())),
            registry,
            store,
            folder,
            new HealthCounters(clock, List.of()),
            SyncMetrics.NONE,
            new SyncLoop.Settings(
                Duration.ofHours(1), null, ZoneOffset.UTC, clock, DownloadLimits.defaults(), null));
    loop.listen(pushed::get);
  }

  @AfterEach
  void close() {
    loop.close();
    registry.close();
    store.close();
    anonymous.close();
    hub.close();
  }

  private List<FakeHub.Call> polls() {
    return hub.calls("GET", "/desired");
  }

  private static boolean isLongPoll(FakeHub.Call call) {
    return call.query() != null && call.query().contains("waitSeconds");
  }

  private void awaitPolls(int n) {
    Eventually.await(n + " polls", WAIT, () -> polls().size() >= n);
  }

  @Test
  void with_push_connected_a_wake_starts_a_poll_at_once_and_none_waits() throws Exception {
    loop.start();
    awaitPolls(1);
    Thread.sleep(300);
    assertThat(polls()).as("asleep on push between wakes").hasSize(1);

    loop.wake();
    awaitPolls(2);
    loop.wake();
    awaitPolls(3);

    assertThat(polls()).noneMatch(SyncLoopTest::isLongPoll);
  }

  @Test
  void a_wake_during_a_cycle_is_not_lost() {
    CountDownLatch held = new CountDownLatch(1);
    hub.desiredGate = held; // The first poll is held: a cycle under way.
    loop.start();
    Eventually.await("the poll to arrive", WAIT, () -> hub.desiredArrivals.get() == 1);

    loop.wake();
    held.countDown();

    awaitPolls(2);
    assertThat(polls()).noneMatch(SyncLoopTest::isLongPoll);
  }

  @Test
  void when_push_goes_down_the_loop_long_polls_again() {
    loop.start();
    awaitPolls(1);

    pushed.set(false);
    loop.wake(); // As the subscription does when its connection is lost.

    Eventually.await(
        "a long poll", WAIT, () -> polls().stream().anyMatch(SyncLoopTest::isLongPoll));
    assertThat(polls().getFirst().query()).isNull();
  }

  @Test
  void with_push_connected_the_heartbeat_report_goes_every_five_minutes() throws Exception {
    loop.start();
    Eventually.await("the first report", WAIT, () -> hub.reports.size() == 1);

    // Past the 30 s heartbeat: no report while push is connected and nothing changed.
    clock.advance(Duration.ofMinutes(1));
    loop.wake();
    awaitPolls(2);
    loop.wake();
    awaitPolls(3);
    Thread.sleep(200); // A report would follow its poll at once.
    assertThat(hub.reports).hasSize(1);

    clock.advance(SyncLoop.PUSH_HEARTBEAT);
    loop.wake();

    Eventually.await("the heartbeat report", WAIT, () -> hub.reports.size() == 2);
  }

  @Test
  void without_push_the_heartbeat_stays_thirty_seconds() {
    pushed.set(false);
    loop.start();
    Eventually.await("the first report", WAIT, () -> hub.reports.size() == 1);

    clock.advance(SyncLoop.HEARTBEAT);
    loop.wake(); // Ends the 30 s sleep after the fake hub's instant long poll.

    Eventually.await("the heartbeat report", WAIT, () -> hub.reports.size() == 2);
    assertThat(polls()).allMatch(SyncLoopTest::isLongPoll);
  }
}
