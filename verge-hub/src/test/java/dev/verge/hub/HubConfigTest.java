package dev.verge.hub;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubConfigTest {
  @TempDir Path dir;

  @Test
  void defaults_listen_on_loopback_with_two_gib_bundles() {
    HubConfig config = HubConfig.defaults(dir);

    assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(HubConfig.DEFAULT_PORT);
    assertThat(config.maxBundleBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    assertThat(config.trustedKeys()).isEmpty();
  }

  @Test
  void rejects_port_out_of_range_naming_it() {
    assertThatThrownBy(() -> HubConfig.defaults(dir).withPort(70_000))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port")
        .hasMessageContaining("70000");
  }

  @Test
  void prediction_retention_is_30_days_by_default_zero_keeps_all_and_under_an_hour_is_refused() {
    assertThat(HubConfig.defaults(dir).predictionRetention()).isEqualTo(Duration.ofDays(30));
    assertThat(HubConfig.defaults(dir).withPredictionRetention(Duration.ZERO).predictionRetention())
        .isZero();
    assertThatThrownBy(() -> HubConfig.defaults(dir).withPredictionRetention(Duration.ofMinutes(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("predictionRetention must be 1 h or more")
        .hasMessageContaining("PT5M");
  }

  @Test
  void rejects_non_positive_max_bundle_bytes_naming_it() {
    assertThatThrownBy(() -> HubConfig.defaults(dir).withMaxBundleBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBundleBytes");
  }

  @Test
  void a_device_is_offline_after_ninety_seconds_unless_told_otherwise_and_never_under_a_second() {
    assertThat(HubConfig.defaults(dir).deviceOfflineAfter()).isEqualTo(Duration.ofSeconds(90));
    assertThat(
            HubConfig.defaults(dir)
                .withDeviceOfflineAfter(Duration.ofMinutes(10))
                .withPort(0)
                .deviceOfflineAfter())
        .isEqualTo(Duration.ofMinutes(10));
    assertThatThrownBy(() -> HubConfig.defaults(dir).withDeviceOfflineAfter(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deviceOfflineAfter must be 1 s or more")
        .hasMessageContaining("PT0.5S");
  }

  @Test
  void rejects_missing_data_dir_and_blank_bind_address() {
    assertThatThrownBy(() -> HubConfig.defaults(null)).hasMessageContaining("dataDir");
    assertThatThrownBy(() -> HubConfig.defaults(dir).withBindAddress(" "))
        .hasMessageContaining("bindAddress");
  }

  @Test
  void start_fails_naming_a_missing_trusted_key_file() {
    Path missing = dir.resolve("nobody.pub");
    HubConfig config =
        HubConfig.defaults(dir.resolve("hub")).withPort(0).withTrustedKeys(List.of(missing));

    assertThatThrownBy(() -> Hub.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("trustedKeys")
        .hasMessageContaining(missing.toString());
  }

  @Test
  void start_fails_naming_a_trusted_key_file_that_is_not_a_key() throws Exception {
    Path garbage = Files.writeString(dir.resolve("garbage.pub"), "not a key");
    HubConfig config =
        HubConfig.defaults(dir.resolve("hub")).withPort(0).withTrustedKeys(List.of(garbage));

    assertThatThrownBy(() -> Hub.start(config))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(garbage.toString());
  }

  @Test
  void hub_bound_to_every_interface_reports_a_loopback_url() {
    try (Hub hub = Hub.start(HubConfig.defaults(dir).withBindAddress("0.0.0.0").withPort(0))) {
      assertThat(hub.port()).isPositive();
      assertThat(hub.url().toString()).isEqualTo("http://127.0.0.1:" + hub.port());
      assertThat(hub.dataDir()).isEqualTo(dir.toAbsolutePath());
      assertThat(dir.resolve(Hub.DATABASE_FILE)).exists();
      assertThat(dir.resolve(Hub.BUNDLES_DIR)).isDirectory();
    }
  }
}
