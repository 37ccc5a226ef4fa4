package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.ApiPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
  @TempDir Path dir;
  TestHub hub;

  @BeforeEach
  void start() {
    hub = TestHub.start(dir);
  }

  @AfterEach
  void stop() {
    hub.close();
  }

  @Test
  void first_start_writes_an_owner_only_admin_token_that_works() throws Exception {
    Path file = hub.hub().dataDir().resolve("admin.token");
    String token = hub.hub().adminToken();

    assertThat(token).startsWith("vadm_").hasSize("vadm_".length() + 43);
    assertThat(Files.readString(file).strip()).isEqualTo(token);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(hub.admin().get(ApiPaths.MODELS).status()).isEqualTo(200);
  }

  @Test
  void the_database_keeps_only_the_hash_of_the_admin_token() throws Exception {
    byte[] token = hub.hub().adminToken().getBytes(StandardCharsets.UTF_8);
    hub.close();

    try (Stream<Path> files = Files.list(hub.hub().dataDir())) {
      for (Path file :
          files.filter(f -> f.getFileName().toString().startsWith("hub.db")).toList()) {
        assertThat(indexOf(Files.readAllBytes(file), token)).as("%s", file).isNegative();
      }
    }
    hub.restart();
  }

  @Test
  void restart_keeps_the_same_admin_token_valid() {
    String before = hub.hub().adminToken();

    hub.restart();

    assertThat(hub.hub().adminToken()).isEqualTo(before);
    assertThat(hub.client(before).get(ApiPaths.DEVICES).status()).isEqualTo(200);
  }

  @Test
  void a_removed_token_file_is_not_replaced_by_a_new_token() throws Exception {
    String before = hub.hub().adminToken();
    Files.delete(hub.hub().dataDir().resolve("admin.token"));

    hub.restart();

    assertThat(hub.hub().adminToken()).isNull();
    assertThat(hub.client(before).get(ApiPaths.DEVICES).status()).isEqualTo(200);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
