package dev.verge.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import dev.verge.core.api.PredictionRecord;
import dev.verge.core.json.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link AgentStore} must do; one subclass per implementation. */
abstract class AgentStoreContract {
  protected AgentStore store;

  /** A fresh, empty store. */
  protected abstract AgentStore create();

  @BeforeEach
  void open() {
    store = create();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void has_no_identity_until_one_is_saved() {
    assertThat(store.identity()).isEmpty();

    store.saveIdentity(new Identity("dev-1", "secret"));

    assertThat(store.identity()).contains(new Identity("dev-1", "secret"));
  }

  @Test
  void refuses_a_second_identity() {
    store.saveIdentity(new Identity("dev-1", "secret"));

    assertThatThrownBy(() -> store.saveIdentity(new Identity("dev-2", "other")))
        .isInstanceOf(IllegalStateException.class);
    assertThat(store.identity().orElseThrow().deviceId()).isEqualTo("dev-1");
  }

  @Test
  void identity_never_prints_its_credential() {
    assertThat(new Identity("dev-1", "s3cr3t").toString())
        .contains("dev-1")
        .doesNotContain("s3cr3t");
  }

  @Test
  void activation_records_active_version_highest_version_and_bundle() {
    store.activate(new InstalledBundle(digest('a'), "pump", 2, 100));
    store.activate(new InstalledBundle(digest('b'), "pump", 3, 110));

    assertThat(store.model("pump")).contains(new ModelState("pump", 3L, digest('b'), 3));
    assertThat(store.bundles())
        .containsExactly(
            new InstalledBundle(digest('a'), "pump", 2, 100),
            new InstalledBundle(digest('b'), "pump", 3, 110));
  }

  @Test
  void rollback_keeps_the_highest_version() {
    store.activate(new InstalledBundle(digest('b'), "pump", 3, 110));
    store.activate(new InstalledBundle(digest('a'), "pump", 2, 100));

    assertThat(store.model("pump")).contains(new ModelState("pump", 2L, digest('a'), 3));
  }

  @Test
  void deactivation_clears_the_active_version_but_not_the_highest() {
    store.activate(new InstalledBundle(digest('a'), "pump", 2, 100));

    store.deactivate("pump");

    assertThat(store.model("pump")).contains(new ModelState("pump", null, null, 2));
    assertThat(store.models()).hasSize(1);
  }

  @Test
  void records_predictions_with_increasing_sequences() {
    long first = store.record(prediction("a"));
    long second = store.record(prediction("b"));

    assertThat(second).isGreaterThan(first);
    List<PredictionRecord> unsynced = store.unsynced(10);
    assertThat(unsynced).extracting(PredictionRecord::sequence).containsExactly(first, second);
    PredictionRecord record = unsynced.getFirst();
    assertThat(record.model()).isEqualTo("pump");
    assertThat(record.version()).isEqualTo(1);
    assertThat(record.latencyMicros()).isEqualTo(42);
    assertThat(record.requestId()).isEqualTo("a");
    assertThat(record.time()).isEqualTo(Instant.parse("2026-11-25T10:15:30.123456Z"));
    assertThat(record.outputs()).isEqualTo(outputs());
  }

  @Test
  void a_group_gets_the_sequences_its_rows_were_stored_under_in_order() {
    long before = store.record(prediction("a"));
    store.markSynced(before, before); // A gap of synced rows does not shift the group's numbers.

    long[] group =
        store.recordAll(List.of(prediction("b"), prediction("c"), prediction("d")), 0, 0);

    assertThat(group).hasSize(3);
    assertThat(group[0]).isGreaterThan(before);
    assertThat(store.unsynced(10))
        .extracting(PredictionRecord::sequence, PredictionRecord::requestId)
        .containsExactly(tuple(group[0], "b"), tuple(group[1], "c"), tuple(group[2], "d"));
  }

  @Test
  void unsynced_returns_the_oldest_first_up_to_the_limit() {
    for (int i = 0; i < 5; i++) {
      store.record(prediction("r" + i));
    }

    assertThat(store.unsynced(3))
        .extracting(PredictionRecord::requestId)
        .containsExactly("r0", "r1", "r2");
  }

  @Test
  void synced_predictions_are_no_longer_pending() {
    long first = store.record(prediction("a"));
    long second = store.record(prediction("b"));
    store.record(prediction("c"));

    assertThat(store.markSynced(first, second)).isEqualTo(2);
    assertThat(store.markSynced(first, second)).isZero();

    assertThat(store.unsynced(10)).extracting(PredictionRecord::requestId).containsExactly("c");
    assertThat(store.counters()).isEqualTo(new Counters(3, 0, 1));
  }

  @Test
  void counts_served_and_failed_requests() {
    store.record(prediction("a"));
    store.countFailure();
    store.countFailure();

    assertThat(store.counters()).isEqualTo(new Counters(1, 2, 1));
  }

  @Test
  void keeps_a_prediction_without_request_id() {
    store.record(
        new Prediction(Instant.now(), "pump", 1, 5, null, Json.mapper().createArrayNode()));

    assertThat(store.unsynced(1).getFirst().requestId()).isNull();
  }

  @Test
  void a_rejected_prediction_is_kept_but_no_longer_pending() {
    long first = store.record(prediction("bad"));
    store.record(prediction("good"));

    assertThat(store.markRejected(first, "422: not acceptable")).isTrue();
    assertThat(store.markRejected(first, "again")).isFalse();

    assertThat(store.unsynced(10)).extracting(PredictionRecord::requestId).containsExactly("good");
    assertThat(store.counters().pending()).isEqualTo(1);
    assertThat(store.counters().served()).isEqualTo(2);
  }

  static Prediction prediction(String requestId) {
    return new Prediction(
        Instant.parse("2026-11-25T10:15:30.123456Z"), "pump", 1, 42, requestId, outputs());
  }

  static JsonNode outputs() {
    return Json.tree(
        "[{\"name\":\"output\",\"shape\":[1,2],\"datatype\":\"FP32\",\"data\":[0.25,0.75]}]"
            .getBytes(StandardCharsets.UTF_8));
  }

  static String digest(char c) {
    return String.valueOf(c).repeat(64);
  }

  @Test
  void health_counters_are_saved_replaced_and_read_back() {
    VersionTally pump =
        new VersionTally(
            "pump",
            3,
            12L,
            Instant.ofEpochMilli(1_764_000_000_123L),
            40,
            2,
            List.of(1L, 2L, 3L),
            java.util.Map.of("output[1]", new VersionTally.OutputSum(12.5, 38)));
    VersionTally fan =
        new VersionTally(
            "fan", 1, null, Instant.ofEpochMilli(5), 0, 0, List.of(), java.util.Map.of());
    assertThat(store.tallies()).isEmpty();

    store.saveTallies(List.of(fan, pump));
    assertThat(store.tallies()).containsExactly(fan, pump);

    store.saveTallies(List.of(pump));
    assertThat(store.tallies())
        .as("a model no longer active loses its counters")
        .containsExactly(pump);
  }

  // The installation journal and refused versions (issue 9).

  private static InstallEntry entry(long version, InstallStep step) {
    return InstallEntry.of("pump", version, "d" + version, 7L, step, 1L, "d1");
  }

  @Test
  void the_journal_keeps_one_install_per_model_at_its_last_step() {
    store.saveInstall(entry(2, InstallStep.DOWNLOAD), null);
    store.saveInstall(entry(2, InstallStep.LOAD).run(), null);

    assertThat(store.installs()).containsExactly(entry(2, InstallStep.LOAD).run());
    assertThat(store.install("pump")).contains(entry(2, InstallStep.LOAD).run());
    assertThat(store.bundles()).as("no bundle is installed before its activation").isEmpty();
    store.dropInstall("pump");
    assertThat(store.installs()).isEmpty();
  }

  @Test
  void activating_on_trial_and_committing_are_each_one_step() {
    store.activate(new InstalledBundle("d1", "pump", 1, 10));
    Instant since = Instant.ofEpochMilli(1_000);
    InstallEntry trial = entry(2, InstallStep.ACTIVATE).onTrial(since);

    store.activateOnTrial(new InstalledBundle("d2", "pump", 2, 20), trial);

    assertThat(store.model("pump").orElseThrow().activeDigest()).isEqualTo("d2");
    assertThat(store.installs()).containsExactly(trial);
    assertThat(store.install("pump")).as("no install under way").isEmpty();
    store.commitInstall("pump", "d2");
    assertThat(store.installs()).isEmpty();
    assertThat(store.keptBundles())
        .extracting(k -> k.bundle().digest(), k -> k.committedAt() != null)
        .as("the committed one first")
        .containsExactly(tuple("d2", true), tuple("d1", false));
  }

  @Test
  void a_trial_keeps_its_answered_requests_and_those_before_its_run() {
    store.activate(new InstalledBundle("d1", "pump", 1, 10));
    InstallEntry trial = entry(2, InstallStep.ACTIVATE).onTrial(Instant.ofEpochMilli(5));
    store.activateOnTrial(new InstalledBundle("d2", "pump", 2, 20), trial);

    InstallEntry progressed = trial.answered(40).freshRun().answered(70);
    store.saveInstall(progressed, null);

    assertThat(store.installs()).containsExactly(progressed);
    assertThat(store.installs().getFirst())
        .satisfies(
            e -> {
              assertThat(e.answered()).isEqualTo(70);
              assertThat(e.answeredBefore()).isEqualTo(40);
              assertThat(e.runs()).isEqualTo(1);
              assertThat(e.runAnswered()).isTrue();
            });
  }

  @Test
  void an_entry_with_fewer_answers_than_before_its_run_is_refused() {
    InstallEntry trial = entry(2, InstallStep.ACTIVATE).onTrial(Instant.ofEpochMilli(5));
    assertThatThrownBy(() -> trial.answered(40).freshRun().answered(10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10, 40");
  }

  @Test
  void a_refusal_ends_the_install_and_can_bring_the_previous_version_back() {
    store.activate(new InstalledBundle("d1", "pump", 1, 10));
    store.activateOnTrial(
        new InstalledBundle("d2", "pump", 2, 20),
        entry(2, InstallStep.ACTIVATE).onTrial(Instant.ofEpochMilli(5)));
    RefusedVersion refusal =
        new RefusedVersion(
            "pump", 2, "d2", 7L, "HEALTH", "too many errors", Instant.ofEpochMilli(9));

    store.refuse(refusal, false, new InstalledBundle("d1", "pump", 1, 10));

    ModelState state = store.model("pump").orElseThrow();
    assertThat(state.activeVersion()).isEqualTo(1L);
    assertThat(state.highestVersion()).as("the anti-rollback floor stays").isEqualTo(2);
    assertThat(store.installs()).isEmpty();
    assertThat(store.refusedVersions()).containsExactly(refusal);
    store.forgetRefusal("pump");
    assertThat(store.refusedVersions()).isEmpty();
  }

  @Test
  void a_refusal_with_nothing_to_go_back_to_leaves_no_active_version() {
    store.activateOnTrial(
        new InstalledBundle("d2", "pump", 2, 20),
        entry(2, InstallStep.ACTIVATE).onTrial(Instant.ofEpochMilli(5)));

    store.refuse(
        new RefusedVersion("pump", 2, "d2", null, "CRASH_LOOP", "crashed", Instant.ofEpochMilli(9)),
        false,
        null);

    assertThat(store.model("pump").orElseThrow().activeVersion()).isNull();
    assertThat(store.refusedVersions().getFirst().deploymentId()).isNull();
  }

  @Test
  void an_install_under_way_and_a_version_on_trial_are_kept_apart() {
    InstallEntry trial = entry(2, InstallStep.ACTIVATE).onTrial(Instant.ofEpochMilli(5));
    store.activateOnTrial(new InstalledBundle("d2", "pump", 2, 20), trial);
    store.saveInstall(entry(3, InstallStep.LOAD), null);

    assertThat(store.installs()).containsExactly(trial, entry(3, InstallStep.LOAD));
    assertThat(store.install("pump")).contains(entry(3, InstallStep.LOAD));
    store.refuse(
        new RefusedVersion("pump", 3, "d3", 7L, "LOAD", "does not load", Instant.ofEpochMilli(9)),
        true,
        null);
    assertThat(store.installs()).as("the trial goes on").containsExactly(trial);
    assertThat(store.model("pump").orElseThrow().activeVersion()).isEqualTo(2L);
    store.saveInstall(entry(3, InstallStep.STAGE), null);
    store.endInstall(entry(3, InstallStep.STAGE));
    assertThat(store.installs()).containsExactly(trial);
  }

  @Test
  void a_forgotten_bundle_is_no_longer_installed() {
    store.activate(new InstalledBundle("d1", "pump", 1, 10));
    store.activate(new InstalledBundle("d2", "pump", 2, 20));

    store.forgetBundle("d1");

    assertThat(store.bundles()).extracting(InstalledBundle::digest).containsExactly("d2");
  }
}
