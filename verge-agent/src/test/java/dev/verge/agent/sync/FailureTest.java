package dev.verge.agent.sync;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class FailureTest {
  private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

  private static SyncLoop.Failure refused(DesiredModel model) {
    return SyncLoop.Failure.first(
        new Activation.Failed(model.name(), model.version(), Check.ANTI_ROLLBACK, "lower"),
        model.bundleDigest(),
        model.deploymentId(),
        NOW,
        SyncLoop.FIRST_MODEL_RETRY);
  }

  @Test
  void the_same_deployment_asking_again_waits_for_its_retry() {
    DesiredModel downgrade = new DesiredModel("pump", 1, "abc", 10, 3, false);

    assertThat(refused(downgrade).isFor(downgrade)).isTrue();
  }

  /**
   * Regression: a rollback deployed after a refused downgrade of the same bundle waited out the
   * downgrade's back-off (and the hub showed it FAILED with the old refusal meanwhile).
   */
  @Test
  void a_new_deployment_of_the_same_bundle_is_a_new_target() {
    DesiredModel downgrade = new DesiredModel("pump", 1, "abc", 10, 3, false);
    DesiredModel rollback = new DesiredModel("pump", 1, "abc", 10, 4, true);

    assertThat(refused(downgrade).isFor(rollback)).isFalse();
  }

  /**
   * Issue 9: each interruption of a download that made progress counted as one more failure, with a
   * doubling wait. A transient failure after progress now starts the back-off over; a refusal (a
   * check that failed) keeps doubling, even when its download got somewhere.
   */
  @Test
  void a_transient_failure_after_progress_starts_the_back_off_over() {
    DesiredModel model = new DesiredModel("pump", 1, "abc", 10, 3, false);
    SyncLoop.Failure earlier =
        SyncLoop.Failure.first(
                new Activation.Failed("pump", 1, Check.DOWNLOAD, "hub down", true), "abc", 3L, NOW)
            .again(new Activation.Failed("pump", 1, Check.DOWNLOAD, "hub down", true), NOW);
    Activation.Failed cut = new Activation.Failed("pump", 1, Check.DOWNLOAD, "link cut", true);
    Activation.Failed refused = new Activation.Failed("pump", 1, Check.SIGNATURE, "untrusted");

    assertThat(SyncLoop.afterProgress(cut, earlier, () -> true)).isNull();
    assertThat(SyncLoop.afterProgress(cut, earlier, () -> false)).isSameAs(earlier);
    assertThat(SyncLoop.afterProgress(refused, earlier, () -> true)).isSameAs(earlier);
    assertThat(earlier.attempts()).isEqualTo(2);
    assertThat(earlier.isFor(model)).isTrue();
  }

  @Test
  void retries_wait_the_one_back_off_doubling_to_its_cap_with_jitter() {
    Activation.Failed transientFailure =
        new Activation.Failed("pump", 1, Check.DOWNLOAD, "hub down", true);
    SyncLoop.Failure failure = SyncLoop.Failure.first(transientFailure, "abc", 3L, NOW);
    assertThat(java.time.Duration.between(NOW, failure.retryAt()))
        .isBetween(java.time.Duration.ofSeconds(8), java.time.Duration.ofSeconds(12));
    for (int i = 0; i < 10; i++) {
      failure = failure.again(transientFailure, NOW);
    }
    assertThat(java.time.Duration.between(NOW, failure.retryAt()))
        .isBetween(java.time.Duration.ofSeconds(96), java.time.Duration.ofSeconds(144));
  }
}
