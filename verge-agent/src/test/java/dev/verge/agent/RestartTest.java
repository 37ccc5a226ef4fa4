package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DesiredModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RestartTest extends AgentHarness {

  @Test
  void restores_the_active_model_offline() {
    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent first = start();
    first.syncNow();
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    first.syncNow();
    first.close();
    hub.close();

    Agent second = start(config().withEnrollmentToken(null));

    Http http = http(second);
    assertThat(versionAnswering(http, "pump")).isEqualTo("2");
    assertThat(http.get("/v2/health/ready").status()).isEqualTo(200);
    assertThat(second.deviceId()).isEqualTo(FakeHub.DEVICE_ID);
    assertThat(second.status().models().getFirst().installedVersions()).containsExactly(1L, 2L);
  }

  @Test
  void a_kept_bundle_changed_on_disk_is_not_served_after_restart() throws IOException {
    DesiredModel pump = hub.model("pump", 1, bundles.logistic("pump", 1));
    hub.desire(pump);
    Agent first = start();
    first.syncNow();
    first.close();
    hub.close();
    Path kept = data.resolve("bundles").resolve(pump.bundleDigest() + ".vbundle");
    Files.write(kept, TestBundles.tamper(Files.readAllBytes(kept)));

    Agent second = start(config().withEnrollmentToken(null));

    Http http = http(second);
    assertThat(http.get("/v2/models/pump").status()).isEqualTo(404);
    Http.Response ready = http.get("/v2/health/ready");
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.error()).contains("pump v1").contains("signature check failed");
  }

  @Test
  void anti_rollback_survives_a_restart() {
    hub.desire(hub.model("pump", 2, bundles.logistic("pump", 2)));
    Agent first = start();
    first.syncNow();
    first.close();

    hub.desire(hub.model("pump", 1, bundles.logistic("pump", 1)));
    Agent second = start(config().withEnrollmentToken(null));
    second.syncNow();

    assertThat(versionAnswering(http(second), "pump")).isEqualTo("2");
    assertThat(reported("pump").orElseThrow().error()).startsWith("anti-rollback check failed");
  }
}
