package dev.verge.agent.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.core.oip.Tensor;
import dev.verge.core.oip.TensorSpec;
import dev.verge.runtime.LoadedModel;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
  private final ModelRegistry registry = new ModelRegistry();

  @Test
  void serves_the_active_version() {
    FakeModel v1 = new FakeModel("pump", 1);
    registry.activate(v1);

    try (ModelRegistry.Lease lease = registry.acquire("pump", null)) {
      assertThat(lease.model()).isSameAs(v1);
    }
    try (ModelRegistry.Lease lease = registry.acquire("pump", 1L)) {
      assertThat(lease.model()).isSameAs(v1);
    }
  }

  @Test
  void unknown_model_or_version_is_not_found() {
    registry.activate(new FakeModel("pump", 1));

    assertThatThrownBy(() -> registry.acquire("fan", null))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model 'fan' is not loaded");
    assertThatThrownBy(() -> registry.acquire("pump", 2L))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model 'pump' version 2 is not loaded");
  }

  @Test
  void swap_closes_the_old_version_only_after_its_last_request() {
    FakeModel v1 = new FakeModel("pump", 1);
    FakeModel v2 = new FakeModel("pump", 2);
    registry.activate(v1);
    ModelRegistry.Lease inFlight = registry.acquire("pump", null);

    assertThat(registry.activate(v2)).contains(1L);

    assertThat(v1.closed).isFalse();
    assertThat(inFlight.model()).isSameAs(v1);
    try (ModelRegistry.Lease next = registry.acquire("pump", null)) {
      assertThat(next.model()).isSameAs(v2);
    }
    inFlight.close();
    assertThat(v1.closed).isTrue();
    assertThat(v2.closed).isFalse();
  }

  @Test
  void closing_a_lease_twice_releases_once() {
    FakeModel v1 = new FakeModel("pump", 1);
    registry.activate(v1);
    ModelRegistry.Lease first = registry.acquire("pump", null);
    ModelRegistry.Lease second = registry.acquire("pump", null);
    registry.remove("pump");

    first.close();
    first.close();

    assertThat(v1.closed).isFalse();
    second.close();
    assertThat(v1.closed).isTrue();
  }

  @Test
  void removal_stops_serving_and_closes_an_idle_model() {
    FakeModel v1 = new FakeModel("pump", 1);
    registry.activate(v1);

    assertThat(registry.remove("pump")).isTrue();

    assertThat(v1.closed).isTrue();
    assertThat(registry.activeVersions()).isEmpty();
    assertThat(registry.remove("pump")).isFalse();
  }

  @Test
  void close_releases_every_model_and_refuses_new_ones() {
    FakeModel v1 = new FakeModel("pump", 1);
    FakeModel other = new FakeModel("fan", 1);
    registry.activate(v1);

    registry.close();

    assertThat(v1.closed).isTrue();
    assertThatThrownBy(() -> registry.activate(other)).isInstanceOf(IllegalStateException.class);
    assertThat(other.closed).isTrue();
  }

  /** A model that only records whether it was closed. */
  static final class FakeModel implements LoadedModel {
    private final String name;
    private final long version;
    volatile boolean closed;

    FakeModel(String name, long version) {
      this.name = name;
      this.version = version;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public long version() {
      return version;
    }

    @Override
    public List<TensorSpec> inputs() {
      return List.of();
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of();
    }

    @Override
    public List<Tensor> infer(List<Tensor> inputs, Set<String> outputs) {
      if (closed) {
        throw new IllegalStateException(name + " v" + version + " is closed");
      }
      return List.of();
    }

    @Override
    public void close() {
      if (closed) {
        throw new IllegalStateException(name + " v" + version + " closed twice");
      }
      closed = true;
    }
  }
}
