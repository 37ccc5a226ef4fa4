package dev.verge.hub.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PostgresChangeListenerTest {
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private PostgresServer server;
  private Database db;
  private PostgresChangeListener listener;

  @BeforeEach
  void start() {
    server = TestPostgres.freshDatabase();
    db = Database.openPostgres(server);
    listener =
        PostgresChangeListener.start(
            server,
            new PostgresChangeListener.Receiver() {
              @Override
              public void device(String deviceId) {
                heard.add("device " + deviceId);
              }

              @Override
              public void everything() {
                heard.add("everything");
              }

              @Override
              public void listening(boolean on) {
                heard.add("listening " + on);
              }
            });
    awaitHeard("listening true");
  }

  @AfterEach
  void stop() {
    listener.close();
    db.close();
  }

  private void awaitHeard(String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!heard.contains(what)) {
      assertThat(System.nanoTime()).as("heard %s; so far %s", what, heard).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  private void notify(String payload) {
    db.write(
        h ->
            h.createQuery("SELECT pg_notify(:channel, :payload)")
                .bind("channel", PostgresChangeListener.CHANNEL)
                .bind("payload", payload)
                .mapTo(String.class)
                .one());
  }

  @Test
  void it_forgets_everything_before_it_trusts_what_it_hears() {
    assertThat(heard).containsExactly("everything", "listening true");
  }

  @Test
  void a_device_change_is_heard_and_a_rollout_change_forgets_everything() {
    notify("d:dev-7");
    notify("r:12");
    awaitHeard("device dev-7");
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (heard.stream().filter("everything"::equals).count() < 2) {
      assertThat(System.nanoTime()).as("heard %s", heard).isLessThan(deadline);
      Thread.onSpinWait();
    }
  }

  /**
   * Changes made while the listening connection was down are never heard: the listener must say it
   * is not listening, and forget everything before it says it listens again.
   */
  @Test
  void a_killed_connection_is_reported_replaced_and_followed_by_forgetting_everything() {
    heard.clear();
    long killed = TestPostgres.killListeners(db);
    assertThat(killed).isEqualTo(1);

    awaitHeard("listening true");
    assertThat(heard).containsSubsequence("listening false", "everything", "listening true");
    notify("d:after");
    awaitHeard("device after");
  }

  /** The devices trigger: a label change is announced, a last contact or a report is not. */
  @Test
  void the_tables_announce_label_changes_but_not_contacts_or_reports() {
    var devices = new dev.verge.hub.device.SqlDeviceStore(db);
    StoreFixtures.enroll(devices, "dev-1", java.util.Map.of("site", "a"));
    devices.touchDevices(java.util.Map.of("dev-1", StoreFixtures.T0.plusSeconds(5)));
    devices.saveReported(
        "dev-1",
        new dev.verge.core.api.ReportedState("agent", List.of(), 0, 0),
        StoreFixtures.T0.plusSeconds(6));
    notify("d:marker");
    awaitHeard("device marker");
    assertThat(heard).doesNotContain("device dev-1");

    devices.changeOperatorLabels(
        "dev-1", l -> l.with(java.util.Map.of("tier", "canary"), List.of()));

    awaitHeard("device dev-1");
  }
}
