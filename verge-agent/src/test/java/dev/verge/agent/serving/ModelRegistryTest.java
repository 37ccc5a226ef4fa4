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
        .hasMessage("model 'pump' version 2 is not loaded; version 1 serves");
  }

  // Several versions of one model (issue 8: /versions/1/infer was a 404 while v5 was active).

  @Test
  void serves_a_version_beside_the_default_on_its_version_only() {
    FakeModel v5 = new FakeModel("pump", 5);
    FakeModel v1 = new FakeModel("pump", 1);
    registry.activate(v5);

    assertThat(registry.activateBeside(v1)).isFalse();

    try (ModelRegistry.Lease lease = registry.acquire("pump", 1L)) {
      assertThat(lease.model()).isSameAs(v1);
    }
    try (ModelRegistry.Lease lease = registry.acquire("pump", null)) {
      assertThat(lease.model()).isSameAs(v5);
    }
    try (ModelRegistry.Lease lease = registry.acquire("pump", 5L)) {
      assertThat(lease.model()).isSameAs(v5);
    }
    assertThat(registry.activeVersions()).containsExactly(java.util.Map.entry("pump", 5L));
    assertThat(registry.servedVersions("pump")).containsExactly(1L, 5L);
    assertThat(registry.besideVersions("pump")).containsExactly(1L);
    assertThatThrownBy(() -> registry.acquire("pump", 3L))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage("model 'pump' version 3 is not loaded; versions 1, 5 serve");
  }

  @Test
  void a_swap_of_the_default_leaves_the_versions_beside_it_serving() {
    FakeModel v1 = new FakeModel("pump", 1);
    FakeModel v4 = new FakeModel("pump", 4);
    FakeModel v5 = new FakeModel("pump", 5);
    registry.activate(v4);
    registry.activateBeside(v1);

    assertThat(registry.activate(v5)).contains(4L);

    assertThat(v4.closed).isTrue();
    assertThat(v1.closed).isFalse();
    assertThat(registry.servedVersions("pump")).containsExactly(1L, 5L);
  }

  @Test
  void removing_a_version_beside_waits_for_its_last_request() {
    FakeModel v1 = new FakeModel("pump", 1);
    FakeModel v5 = new FakeModel("pump", 5);
    registry.activate(v5);
    registry.activateBeside(v1);
    ModelRegistry.Lease inFlight = registry.acquire("pump", 1L);

    assertThat(registry.removeBeside("pump", 1)).isTrue();

    assertThat(v1.closed).isFalse();
    assertThat(inFlight.model().infer(List.of(), Set.of())).isEmpty();
    assertThatThrownBy(() -> registry.acquire("pump", 1L))
        .isInstanceOf(ModelNotFoundException.class);
    inFlight.close();
    assertThat(v1.closed).isTrue();
    assertThat(v5.closed).isFalse();
    assertThat(registry.removeBeside("pump", 1)).isFalse();
  }

  @Test
  void a_version_beside_replaced_by_a_new_load_of_it_closes_the_old_one() {
    FakeModel first = new FakeModel("pump", 1);
    FakeModel again = new FakeModel("pump", 1);
    registry.activateBeside(first);

    assertThat(registry.activateBeside(again)).isTrue();

    assertThat(first.closed).isTrue();
    try (ModelRegistry.Lease lease = registry.acquire("pump", 1L)) {
      assertThat(lease.model()).isSameAs(again);
    }
  }

  @Test
  void a_model_served_only_beside_has_no_default_and_says_where_it_serves() {
    registry.activateBeside(new FakeModel("pump", 4));

    assertThat(registry.activeVersion("pump")).isEmpty();
    assertThatThrownBy(() -> registry.acquire("pump", null))
        .isInstanceOf(ModelNotFoundException.class)
        .hasMessage(
            "model 'pump' has no default version loaded; version 4 serves on"
                + " /v2/models/pump/versions/{version}");
    assertThat(registry.remove("pump")).isFalse();
    assertThat(registry.servedVersions("pump")).containsExactly(4L);
  }

  @Test
  void removing_every_version_releases_the_default_and_those_beside() {
    FakeModel v1 = new FakeModel("pump", 1);
    FakeModel v5 = new FakeModel("pump", 5);
    registry.activate(v5);
    registry.activateBeside(v1);

    assertThat(registry.removeAll("pump")).containsExactly(1L, 5L);

    assertThat(v1.closed).isTrue();
    assertThat(v5.closed).isTrue();
    assertThat(registry.servedVersions()).isEmpty();
  }

  @Test
  void several_models_serve_at_once_each_with_its_versions() {
    registry.activate(new FakeModel("pump", 2));
    registry.activate(new FakeModel("fan", 7));
    registry.activateBeside(new FakeModel("fan", 6));

    assertThat(registry.servedVersions())
        .containsExactly(
            java.util.Map.entry("fan", new java.util.TreeSet<>(List.of(6L, 7L))),
            java.util.Map.entry("pump", new java.util.TreeSet<>(List.of(2L))));
  }

  @Test
  void concurrent_requests_on_both_versions_never_meet_a_closed_one_while_they_swap()
      throws Exception {
    registry.activate(new FakeModel("pump", 5));
    java.util.concurrent.atomic.AtomicInteger failures =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicBoolean stop =
        new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> callers = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Long version = t % 2 == 0 ? null : 1L;
      callers.add(
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      try (ModelRegistry.Lease lease = registry.acquire("pump", version)) {
                        lease.model().infer(List.of(), Set.of());
                      } catch (ModelNotFoundException e) {
                        // Between a removal and the next load: a clean 404, never a closed model.
                      } catch (RuntimeException e) {
                        failures.incrementAndGet();
                      }
                    }
                  }));
    }
    for (int i = 0; i < 2_000; i++) {
      registry.activateBeside(new FakeModel("pump", 1));
      registry.activate(new FakeModel("pump", 5));
      if (i % 3 == 0) {
        registry.removeBeside("pump", 1);
      }
    }
    stop.set(true);
    for (Thread caller : callers) {
      caller.join();
    }

    assertThat(failures).hasValue(0);
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
