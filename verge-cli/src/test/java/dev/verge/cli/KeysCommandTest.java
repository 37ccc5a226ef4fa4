package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.signing.Keys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeysCommandTest {
  @TempDir Path dir;

  @Test
  void keys_generate_writes_an_owner_only_private_key_and_prints_the_key_id() throws IOException {
    Cli.Result result = Cli.run("keys", "generate", "--out", dir.toString(), "--name", "p");

    assertThat(result.exit()).as(result.toString()).isZero();
    Path privateKey = dir.resolve("p.key");
    Path publicKey = dir.resolve("p.pub");
    assertThat(privateKey).exists();
    assertThat(publicKey).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)))
        .isEqualTo("rw-------");
    String keyId = Keys.readPublic(publicKey).keyId();
    assertThat(Keys.publicOf(Keys.readPrivate(privateKey)).keyId()).isEqualTo(keyId);
    assertThat(result.out()).contains("Key id:      " + keyId).contains(privateKey.toString());
  }

  @Test
  void keys_generate_with_json_output_prints_the_files_and_key_id() {
    Cli.Result result =
        Cli.run("keys", "generate", "--out", dir.toString(), "--name", "p", "-o", "json");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.json().path("keyId").asText())
        .isEqualTo(Keys.readPublic(dir.resolve("p.pub")).keyId());
  }

  @Test
  void keys_generate_twice_exits_1_and_refuses_to_overwrite_the_key() throws IOException {
    Cli.run("keys", "generate", "--out", dir.toString(), "--name", "p");
    String original = Files.readString(dir.resolve("p.key"));

    Cli.Result second = Cli.run("keys", "generate", "--out", dir.toString(), "--name", "p");

    assertThat(second.exit()).as(second.toString()).isEqualTo(1);
    assertThat(second.err())
        .startsWith("verge: ")
        .contains(dir.resolve("p.key").toString())
        .contains("refusing to overwrite")
        .doesNotContain("Exception");
    assertThat(Files.readString(dir.resolve("p.key"))).isEqualTo(original);
  }
}
