package dev.verge.hub;

import static dev.verge.hub.store.StoreFixtures.records;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.api.EnrollRequest;
import dev.verge.core.api.EnrollResponse;
import dev.verge.core.api.EnrollmentTokenRequest;
import dev.verge.core.api.ReportedState;
import dev.verge.core.testing.TestClock;
import dev.verge.hub.auth.AdminToken;
import dev.verge.hub.auth.Authenticator;
import dev.verge.hub.device.DesiredChanges;
import dev.verge.hub.device.DesiredStates;
import dev.verge.hub.device.Devices;
import dev.verge.hub.device.Enrollment;
import dev.verge.hub.device.LastContacts;
import dev.verge.hub.rollout.Fleet;
import dev.verge.hub.rollout.Rollouts;
import dev.verge.hub.store.DatabaseStores;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jdbi.v3.core.statement.SqlLogger;
import org.jdbi.v3.core.statement.StatementContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7: every poll ran {@code SELECT COUNT(*) FROM predictions WHERE device_id = ?} and a write
 * transaction for {@code lastSeenAt}, so a device with 1,000,000 stored predictions polled 110×
 * slower. A poll (authenticate, then the desired state) must run the same statements whatever the
 * device has stored, none of them on the predictions, and write nothing.
 */
class PollCostTest {
  @TempDir Path dir;
  private final List<String> statements = new CopyOnWriteArrayList<>();
  private DatabaseStores stores;
  private LastContacts contacts;
  private Authenticator authenticator;
  private Rollouts rollouts;
  private DesiredStates desired;
  private Enrollment enrollment;

  @BeforeEach
  void open() {
    stores =
        DatabaseStores.open(
            dir.resolve("hub.db"),
            new SqlLogger() {
              @Override
              public void logBeforeExecution(StatementContext context) {
                statements.add(context.getRenderedSql());
              }
            });
    Clock clock = Clock.systemUTC();
    contacts = LastContacts.start(stores.devices(), Duration.ofHours(1));
    AdminToken admin = AdminToken.initialize(stores.settings(), dir);
    authenticator = new Authenticator(stores.devices(), contacts, admin, clock);
    rollouts =
        Rollouts.on(
            stores.db(),
            Fleet.of(stores.devices(), stores.models()),
            clock,
            new Rollouts.Config("test", Duration.ofHours(1), Duration.ofSeconds(30)));
    desired = new DesiredStates(stores.devices(), rollouts::desired, new DesiredChanges());
    enrollment = new Enrollment(stores.devices(), clock);
  }

  @AfterEach
  void close() {
    rollouts.close();
    contacts.close();
    stores.close();
  }

  private EnrollResponse enroll(String name) {
    String token = enrollment.createToken(new EnrollmentTokenRequest(null, null)).token();
    return enrollment.enroll(token, new EnrollRequest(name, Map.of(), "test", "linux"));
  }

  /** The statements one poll runs. */
  private List<String> poll(EnrollResponse device) {
    statements.clear();
    authenticator.authenticate("Bearer " + device.credential());
    desired.current(device.deviceId());
    return List.copyOf(statements);
  }

  @Test
  void a_poll_runs_the_same_statements_whatever_the_device_has_stored() {
    EnrollResponse empty = enroll("empty");
    EnrollResponse full = enroll("full");
    for (int batch = 0; batch < 5; batch++) {
      stores
          .telemetry()
          .recordBatch(
              full.deviceId(),
              "k" + batch,
              records(batch * 1_000L, batch * 1_000L + 999),
              java.time.Instant.now());
    }

    List<String> emptyPoll = poll(empty);
    List<String> fullPoll = poll(full);

    assertThat(emptyPoll).isNotEmpty().isEqualTo(fullPoll);
    assertThat(fullPoll).noneMatch(sql -> sql.toLowerCase().contains("prediction"));
  }

  /**
   * Issue 10: the 304 path did all the work of the 200 path. A poll whose ETag is the revision the
   * hub last read for the device, with no change signalled since, touches no table.
   */
  @Test
  void an_unchanged_poll_after_the_first_runs_no_statement() {
    EnrollResponse device = enroll("edge");
    authenticator.authenticate("Bearer " + device.credential());
    String revision = desired.current(device.deviceId()).revision();

    statements.clear();
    authenticator.authenticate("Bearer " + device.credential());
    DesiredStates.Answer answer = desired.poll(device.deviceId(), revision::equals, Duration.ZERO);

    assertThat(answer).isEqualTo(new DesiredStates.Answer.Unchanged(revision));
    assertThat(statements).isEmpty();
  }

  @Test
  void a_poll_writes_nothing() {
    EnrollResponse device = enroll("edge");

    List<String> sql = poll(device);

    assertThat(sql)
        .allSatisfy(s -> assertThat(s.strip().toUpperCase()).startsWith("SELECT"))
        .hasSizeLessThanOrEqualTo(3);
  }

  /**
   * Issue 10: an idle agent reports every 30 s with nothing new, and each report was a write
   * transaction; at 100,000 devices, thousands a second. One repeating the last report this hub
   * stored runs no statement, a changed one is written, and so is a repeat after {@code
   * Devices.REWRITE_AFTER}.
   */
  @Test
  void a_report_repeating_the_last_one_runs_no_statement_and_a_changed_one_is_written() {
    EnrollResponse device = enroll("edge");
    TestClock clock = new TestClock(Instant.parse("2026-12-02T10:00:00Z"));
    Devices devices =
        new Devices(stores.devices(), stores.telemetry(), contacts, clock, Duration.ofSeconds(90));
    ReportedState idle = new ReportedState("1.0", List.of(), 0, 0);
    String id = device.deviceId();

    assertThat(devices.report(id, idle)).isTrue();
    statements.clear();
    clock.advance(Duration.ofSeconds(30));
    assertThat(devices.report(id, idle)).isFalse();
    assertThat(statements).isEmpty();

    ReportedState busy = new ReportedState("1.0", List.of(), 3, 0);
    assertThat(devices.report(id, busy)).isTrue();
    assertThat(stores.devices().device(id).orElseThrow().reported()).isEqualTo(busy);
    assertThat(devices.report(id, idle)).isTrue(); // Back to an earlier report: news again.

    clock.advance(Duration.ofMinutes(5));
    statements.clear();
    assertThat(devices.report(id, idle)).isTrue();
    assertThat(statements).anyMatch(sql -> sql.strip().toUpperCase().startsWith("UPDATE"));
    assertThatThrownBy(() -> devices.report("no-such-device", idle))
        .isInstanceOf(HubException.NoSuchDevice.class);
  }
}
