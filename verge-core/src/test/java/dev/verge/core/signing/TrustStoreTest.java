package dev.verge.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrustStoreTest {
  @TempDir Path dir;

  @Test
  void loads_a_single_public_key_file() {
    Keys.KeyFiles alice = Keys.writePair(Keys.generate(), dir, "alice");

    TrustStore trust = TrustStore.load(List.of(alice.publicKey()));

    assertThat(trust.keys()).hasSize(1);
    assertThat(trust.find(alice.keyId())).map(PublisherKey::keyId).contains(alice.keyId());
  }

  @Test
  void loads_every_pub_file_of_a_folder_and_ignores_the_rest() throws Exception {
    Path folder = dir.resolve("trusted");
    Keys.KeyFiles alice = Keys.writePair(Keys.generate(), folder, "alice");
    Keys.KeyFiles bob = Keys.writePair(Keys.generate(), folder, "bob");
    Files.writeString(folder.resolve("README.txt"), "not a key");
    Files.createDirectory(folder.resolve("old"));

    TrustStore trust = TrustStore.load(List.of(folder));

    assertThat(trust.keys())
        .extracting(PublisherKey::keyId)
        .containsExactlyInAnyOrder(alice.keyId(), bob.keyId());
  }

  @Test
  void combines_files_and_folders() {
    Keys.KeyFiles alice = Keys.writePair(Keys.generate(), dir.resolve("a"), "alice");
    Keys.KeyFiles bob = Keys.writePair(Keys.generate(), dir.resolve("b"), "bob");

    TrustStore trust = TrustStore.load(List.of(alice.publicKey(), dir.resolve("b")));

    assertThat(trust.find(alice.keyId())).isPresent();
    assertThat(trust.find(bob.keyId())).isPresent();
  }

  @Test
  void a_broken_pub_file_in_a_folder_is_refused_by_name() throws Exception {
    Keys.writePair(Keys.generate(), dir, "alice");
    Path broken = Files.writeString(dir.resolve("broken.pub"), "nonsense");

    assertThatThrownBy(() -> TrustStore.load(List.of(dir)))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(broken.toString());
  }

  @Test
  void finds_nothing_for_an_unknown_or_missing_key_id() {
    TrustStore trust = TrustStore.of(List.of(PublisherKey.of(Keys.generate().getPublic())));

    assertThat(trust.find("0000000000000000")).isEmpty();
    assertThat(trust.find(null)).isEmpty();
  }

  @Test
  void with_adds_a_key_without_changing_the_original() {
    TrustStore empty = TrustStore.empty();
    PublisherKey key = PublisherKey.of(Keys.generate().getPublic());

    TrustStore one = empty.with(key);

    assertThat(empty.isEmpty()).isTrue();
    assertThat(one.isEmpty()).isFalse();
    assertThat(one.find(key.keyId())).contains(key);
  }

  @Test
  void the_same_key_twice_is_held_once() {
    PublisherKey key = PublisherKey.of(Keys.generate().getPublic());

    assertThat(TrustStore.of(List.of(key, key)).keys()).containsExactly(key);
  }
}
