package dev.verge.hub.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerFilesTest {
  @TempDir Path dir;

  /** The store's contract is tested on both databases in PushCredentialStoreContractTest. */
  static final class InMemory implements PushCredentialStore {
    final Map<String, String> hashes = new TreeMap<>();

    @Override
    public void put(String deviceId, String passwordHash, Instant issuedAt) {
      hashes.put(deviceId, passwordHash);
    }

    @Override
    public void forEach(BiConsumer<String, String> deviceAndHash) {
      hashes.forEach(deviceAndHash);
    }

    @Override
    public long count() {
      return hashes.size();
    }
  }

  @Test
  void the_password_file_holds_the_hub_and_every_device_and_the_acl_keeps_each_to_its_own_topics()
      throws Exception {
    InMemory store = new InMemory();
    store.put("dev-a", "$7$101$c2FsdA==$aGFzaA==", Instant.EPOCH);
    store.put("dev-b", "$7$101$c2FsdB==$aGFzaB==", Instant.EPOCH);
    BrokerFiles files =
        new BrokerFiles(
            dir.resolve("mosquitto"),
            "verge-hub",
            "$7$hub",
            List.of(),
            Duration.ofSeconds(5),
            store);

    assertThat(files.write()).isEqualTo(2);

    assertThat(Files.readAllLines(files.passwords()))
        .filteredOn(l -> !l.startsWith("#"))
        .containsExactly(
            "verge-hub:$7$hub", "dev-a:$7$101$c2FsdA==$aGFzaA==", "dev-b:$7$101$c2FsdB==$aGFzaB==");
    assertThat(Files.readString(files.acl()))
        .contains("pattern read verge/devices/%u/desired\n")
        .contains("pattern write verge/devices/%u/presence\n")
        .contains("user verge-hub\ntopic write verge/devices/+/desired\n")
        .contains("topic read verge/devices/+/presence\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.passwords())))
        .isEqualTo("rw-r-----");
    try (var left = Files.list(dir.resolve("mosquitto"))) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("passwords", "acl");
    }
  }

  @Test
  void the_reload_command_runs_after_each_write_and_its_failure_is_reported() throws Exception {
    Path marker = dir.resolve("reloaded");
    BrokerFiles ok =
        new BrokerFiles(
            dir.resolve("m"),
            "verge-hub",
            "$7$hub",
            List.of("touch", marker.toString()),
            Duration.ofSeconds(5),
            new InMemory());
    ok.write();
    assertThat(marker).exists();

    BrokerFiles failing =
        new BrokerFiles(
            dir.resolve("m"),
            "verge-hub",
            "$7$hub",
            List.of("false"),
            Duration.ofSeconds(5),
            new InMemory());
    assertThatThrownBy(failing::write)
        .isInstanceOf(UncheckedIOException.class)
        .hasRootCauseMessage("the push reload command [false] exited with 1");
  }
}
