package dev.verge.hub.deploy;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.digest;
import static dev.verge.hub.store.StoreFixtures.version;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeploymentRequest;
import dev.verge.hub.store.StoreContract;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every {@link DeploymentStore} must do. */
public abstract class DeploymentStoreContract extends StoreContract {
  @Test
  void a_deployment_needs_a_published_version() {
    DeploymentStore store = stores.deployments();

    assertThat(store.addDeployment(new DeploymentRequest("iris", 1, Map.of(), false), T0))
        .isEmpty();
    assertThat(store.deployments()).isEmpty();
  }

  @Test
  void deployments_carry_their_bundle_and_list_newest_first() {
    DeploymentStore store = stores.deployments();
    stores.models().addModelVersion(version("iris", 1, digest('a')));
    stores.models().addModelVersion(version("iris", 2, digest('b')));

    DeploymentRow first =
        store
            .addDeployment(new DeploymentRequest("iris", 1, Map.of("site", "lab"), false), T0)
            .orElseThrow();
    DeploymentRow second =
        store
            .addDeployment(new DeploymentRequest("iris", 2, Map.of(), true), T0.plusSeconds(1))
            .orElseThrow();

    assertThat(first)
        .isEqualTo(
            new DeploymentRow(
                first.id(), "iris", 1, Map.of("site", "lab"), false, T0, digest('a'), 1234));
    assertThat(second.id()).isGreaterThan(first.id());
    assertThat(second.rollback()).isTrue();
    assertThat(store.deployments()).containsExactly(second, first);
    assertThat(store.deployment(first.id())).contains(first);
    assertThat(store.deployment(first.id() + 100)).isEmpty();
  }
}
