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
}
