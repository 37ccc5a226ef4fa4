package dev.verge.core.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysTest {
  @TempDir Path dir;

  @Test
  void writes_private_key_owner_only_and_public_key_beside_it() throws Exception {
    KeyPair pair = Keys.generate();

    Keys.KeyFiles files = Keys.writePair(pair, dir.resolve("keys"), "publisher");

    assertThat(files.privateKey()).isEqualTo(dir.resolve("keys/publisher.key")).isRegularFile();
    assertThat(files.publicKey()).isEqualTo(dir.resolve("keys/publisher.pub")).isRegularFile();
    assertThat(Files.getPosixFilePermissions(files.privateKey()))
        .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
    assertThat(Files.readString(files.privateKey()))
        .startsWith("-----BEGIN PRIVATE KEY-----\n")
        .endsWith("-----END PRIVATE KEY-----\n");
    assertThat(Files.readString(files.publicKey()))
        .startsWith("-----BEGIN PUBLIC KEY-----\n")
        .endsWith("-----END PUBLIC KEY-----\n");
  }

  @Test
  void reads_back_the_keys_it_wrote() {
    KeyPair pair = Keys.generate();
    Keys.KeyFiles files = Keys.writePair(pair, dir, "publisher");

    PrivateKey privateKey = Keys.readPrivate(files.privateKey());
    PublisherKey publicKey = Keys.readPublic(files.publicKey());

    assertThat(privateKey.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
    assertThat(publicKey.key()).isEqualTo(pair.getPublic());
    assertThat(publicKey.keyId()).isEqualTo(files.keyId());
    byte[] message = "manifest".getBytes(StandardCharsets.UTF_8);
    assertThat(Signatures.verify(publicKey.key(), message, Signatures.sign(privateKey, message)))
        .isTrue();
  }

  @Test
  void key_id_is_16_hex_digits_and_stable() {
    KeyPair pair = Keys.generate();
    Keys.KeyFiles files = Keys.writePair(pair, dir, "publisher");

    String keyId = PublisherKey.keyIdOf(pair.getPublic());

    assertThat(keyId).matches("[0-9a-f]{16}");
    assertThat(files.keyId()).isEqualTo(keyId);
    assertThat(Keys.readPublic(files.publicKey()).keyId()).isEqualTo(keyId);
    assertThat(Keys.publicOf(Keys.readPrivate(files.privateKey())).keyId()).isEqualTo(keyId);
    assertThat(PublisherKey.keyIdOf(Keys.generate().getPublic())).isNotEqualTo(keyId);
  }

  @Test
  void key_id_is_the_start_of_the_sha256_of_the_encoded_key() {
    // The example public key of RFC 8410, section 10.1; the id was computed outside Java with
    // base64 -d | sha256sum | cut -c1-16.
    String pem =
        """
        -----BEGIN PUBLIC KEY-----
        MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
        -----END PUBLIC KEY-----
        """;

    PublisherKey key = Keys.parsePublic(pem, "rfc8410");

    assertThat(key.keyId()).isEqualTo("a1e9156054e04fac");
  }

  @Test
  void public_half_derived_from_private_key_equals_the_generated_one() {
    for (int i = 0; i < 5; i++) {
      KeyPair pair = Keys.generate();

      PublisherKey derived = Keys.publicOf(pair.getPrivate());

      assertThat(derived.key()).isEqualTo(pair.getPublic());
      assertThat(derived).isEqualTo(PublisherKey.of(pair.getPublic()));
    }
  }

  @Test
  void refuses_to_derive_a_public_key_from_a_non_ed25519_key() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    PrivateKey notEd = ec.generateKeyPair().getPrivate();

    assertThatThrownBy(() -> Keys.publicOf(notEd))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("EC");
  }

  @Test
  void refuses_to_overwrite_an_existing_key() throws Exception {
    Keys.KeyFiles first = Keys.writePair(Keys.generate(), dir, "publisher");
    String before = Files.readString(first.privateKey());

    assertThatThrownBy(() -> Keys.writePair(Keys.generate(), dir, "publisher"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("publisher.key")
        .hasMessageContaining("refusing to overwrite");
    assertThat(Files.readString(first.privateKey())).isEqualTo(before);
  }

  @Test
  void rejects_text_without_pem_armour_naming_the_file() {
    Path file = write("garbage.pub", "hello, I am not a key\n");

    assertThatThrownBy(() -> Keys.readPublic(file))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("-----BEGIN PUBLIC KEY-----");
  }

  @Test
  void rejects_pem_body_that_is_not_base64_naming_the_file() {
    Path file =
        write("broken.key", "-----BEGIN PRIVATE KEY-----\n$$$###\n-----END PRIVATE KEY-----\n");

    assertThatThrownBy(() -> Keys.readPrivate(file))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("not base64");
  }

  @Test
  void rejects_pem_that_holds_no_ed25519_key_naming_the_file() {
    Path priv =
        write("short.key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Path pub = write("short.pub", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");

    assertThatThrownBy(() -> Keys.readPrivate(priv))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(priv.toString())
        .hasMessageContaining("not an Ed25519 private key");
    assertThatThrownBy(() -> Keys.readPublic(pub))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(pub.toString())
        .hasMessageContaining("not an Ed25519 public key");
  }

  @Test
  void rejects_an_ec_key_in_an_ed25519_key_file() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    KeyPair pair = ec.generateKeyPair();
    Path pub = write("ec.pub", Pem.encode("PUBLIC KEY", pair.getPublic().getEncoded()));
    Path priv = write("ec.key", Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded()));

    assertThatThrownBy(() -> Keys.readPublic(pub))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(pub.toString());
    assertThatThrownBy(() -> Keys.readPrivate(priv))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(priv.toString());
  }

  @Test
  void rejects_public_key_file_given_as_private_key() {
    Keys.KeyFiles files = Keys.writePair(Keys.generate(), dir, "publisher");

    assertThatThrownBy(() -> Keys.readPrivate(files.publicKey()))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining("publisher.pub")
        .hasMessageContaining("PRIVATE KEY");
  }

  @Test
  void rejects_binary_garbage_as_a_key_format_problem_naming_the_file() throws Exception {
    byte[] noise = new byte[256];
    new Random(7).nextBytes(noise);
    Path file = Files.write(dir.resolve("noise.pub"), noise);

    assertThatThrownBy(() -> Keys.readPublic(file))
        .isInstanceOf(KeyFormatException.class)
        .hasMessageContaining(file.toString());
  }

  @Test
  void signatures_do_not_verify_for_another_message_or_key() {
    KeyPair pair = Keys.generate();
    byte[] message = "v1".getBytes(StandardCharsets.UTF_8);
    byte[] signature = Signatures.sign(pair.getPrivate(), message);

    assertThat(Signatures.verify(pair.getPublic(), message, signature)).isTrue();
    assertThat(Signatures.verify(pair.getPublic(), "v2".getBytes(), signature)).isFalse();
    assertThat(Signatures.verify(Keys.generate().getPublic(), message, signature)).isFalse();
    assertThat(Signatures.verify(pair.getPublic(), message, new byte[3])).isFalse();
  }

  @Test
  void publisher_key_refuses_non_ed25519_keys() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(256);
    var ecPublic = ec.generateKeyPair().getPublic();

    assertThatThrownBy(() -> PublisherKey.of(ecPublic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Ed25519")
        .hasMessageContaining("EC");
  }

  private Path write(String name, String text) {
    try {
      return Files.writeString(dir.resolve(name), text);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
