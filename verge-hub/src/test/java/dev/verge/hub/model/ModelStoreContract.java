package dev.verge.hub.model;

import static dev.verge.hub.store.StoreFixtures.T0;
import static dev.verge.hub.store.StoreFixtures.digest;
import static dev.verge.hub.store.StoreFixtures.version;
import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.store.Created;
import dev.verge.hub.store.StoreContract;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every {@link ModelStore} must do. */
public abstract class ModelStoreContract extends StoreContract {
  private ModelStore store;

  @BeforeEach
  void models() {
    store = stores.models();
  }

  @Test
  void publisher_keys_are_added_once_and_listed_in_order() {
    RegisteredKey a = new RegisteredKey("aaaa", "ci", "PEM-A", T0);
    RegisteredKey b = new RegisteredKey("bbbb", "laptop", "PEM-B", T0.plusSeconds(1));

    assertThat(store.addPublisherKey(a)).isEqualTo(new Created<>(a, true));
    assertThat(store.addPublisherKey(b).created()).isTrue();
    Created<RegisteredKey> again =
        store.addPublisherKey(new RegisteredKey("aaaa", "renamed", "PEM-A", T0.plusSeconds(9)));

    assertThat(again).isEqualTo(new Created<>(a, false));
    assertThat(store.publisherKeys()).containsExactly(a, b);
  }

  @Test
  void model_versions_are_added_once_and_found_by_name_version_and_digest() {
    ModelVersion v1 = version("iris", 1, digest('a'));

    assertThat(store.addModelVersion(v1)).isEqualTo(new Created<>(v1, true));
    Created<ModelVersion> clash = store.addModelVersion(version("iris", 1, digest('b')));

    assertThat(clash).isEqualTo(new Created<>(v1, false));
    assertThat(store.modelVersion("iris", 1)).contains(v1);
    assertThat(store.modelVersion("iris", 2)).isEmpty();
    assertThat(store.modelVersionByDigest(digest('a'))).contains(v1);
    assertThat(store.modelVersionByDigest(digest('b'))).isEmpty();
  }

  @Test
  void model_versions_are_listed_by_name_then_version() {
    store.addModelVersion(version("vad", 1, digest('1')));
    store.addModelVersion(version("iris", 10, digest('2')));
    store.addModelVersion(version("iris", 2, digest('3')));

    assertThat(store.modelVersions())
        .extracting(v -> v.name() + ":" + v.version())
        .containsExactly("iris:2", "iris:10", "vad:1");
    assertThat(store.modelVersions("iris"))
        .extracting(ModelVersion::version)
        .containsExactly(2L, 10L);
  }
}
