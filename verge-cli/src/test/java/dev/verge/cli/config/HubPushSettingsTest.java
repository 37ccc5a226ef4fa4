package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.hub.HubConfig;
import dev.verge.hub.push.PushConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hub's push-* settings: desired-state push over an MQTT broker. */
class HubPushSettingsTest {
  @TempDir Path dir;
  private final Map<String, String> env = new HashMap<>();

  private HubConfig config(Map<String, String> flags) {
    env.put("VERGE_HUB_DATA", dir.resolve("hub").toString());
    Map<String, List<String>> given = new HashMap<>();
    flags.forEach((name, value) -> given.put("--" + name, List.of(value)));
    return HubSettings.toConfig(Settings.resolve("hub", HubSettings.ALL, null, env, given));
  }

  @Test
  void without_a_push_broker_the_hub_pushes_nothing() {
    assertThat(config(Map.of()).push()).isNull();
  }

  @Test
  void every_push_setting_reaches_the_hub_config() throws Exception {
    Path ca = Files.writeString(dir.resolve("ca.pem"), "-----BEGIN CERTIFICATE-----\n");
    PushConfig push =
        config(
                Map.of(
                    "push-broker", "ssl://mqtt.internal:8883",
                    "push-device-broker", "ssl://mqtt.example.com",
                    "push-username", "hub-a",
                    "push-password-file", dir.resolve("hub.password").toString(),
                    "push-broker-files", dir.resolve("broker").toString(),
                    "push-reload-command", " systemctl  reload mosquitto ",
                    "push-ca-file", ca.toString()))
            .push();

    assertThat(push.broker()).isEqualTo(URI.create("ssl://mqtt.internal:8883"));
    assertThat(push.deviceBroker()).isEqualTo(URI.create("ssl://mqtt.example.com"));
    assertThat(push.username()).isEqualTo("hub-a");
    assertThat(push.passwordFile()).isEqualTo(dir.resolve("hub.password"));
    assertThat(push.brokerFiles()).isEqualTo(dir.resolve("broker"));
    assertThat(push.reloadCommand()).containsExactly("systemctl", "reload", "mosquitto");
    assertThat(push.caFile()).isEqualTo(ca);
  }

  @Test
  void a_push_broker_alone_takes_the_defaults_which_the_hub_resolves_in_its_data_folder() {
    env.put("VERGE_HUB_PUSH_BROKER", "tcp://127.0.0.1:1883");

    PushConfig push = config(Map.of()).push();

    assertThat(push.deviceBroker()).isEqualTo(push.broker());
    assertThat(push.username()).isEqualTo(PushConfig.DEFAULT_USERNAME);
    assertThat(push.passwordFile()).isNull();
    assertThat(push.brokerFiles()).isNull();
    assertThat(push.reloadCommand()).isEmpty();
  }

  @Test
  void a_broker_url_that_is_not_mqtt_is_refused_by_name() {
    assertThatThrownBy(() -> config(Map.of("push-broker", "http://mqtt.internal:1883")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push-broker = 'http://mqtt.internal:1883' (flag --push-broker)")
        .hasMessageContaining("is not tcp://host:port or ssl://host:port");
    assertThatThrownBy(() -> config(Map.of("push-broker", "tcp://mqtt.internal:1883/verge")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("has a path or query");
  }

  @Test
  void credentials_in_the_broker_url_are_refused_without_showing_them_again() {
    assertThatThrownBy(() -> config(Map.of("push-broker", "tcp://hub:hunter2@mqtt.internal")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("holds credentials; the hub's password goes in push-password-file");
  }

  @Test
  void a_push_detail_without_a_push_broker_is_refused() {
    assertThatThrownBy(() -> config(Map.of("push-reload-command", "systemctl reload mosquitto")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push-reload-command")
        .hasMessageContaining("is for desired-state push, but push-broker is not set");
  }

  @Test
  void a_device_user_name_for_the_hub_is_refused_naming_push_username() {
    assertThatThrownBy(
            () ->
                config(Map.of("push-broker", "tcp://127.0.0.1:1883", "push-username", "dev-1234")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push-username = 'dev-1234' (flag --push-username)")
        .hasMessageContaining("not start with 'dev-'");
  }

  @Test
  void a_ca_file_needs_a_tls_broker_and_must_be_readable() {
    assertThatThrownBy(
            () ->
                config(
                    Map.of(
                        "push-broker",
                        "ssl://mqtt.internal",
                        "push-ca-file",
                        dir.resolve("missing.pem").toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("push-ca-file")
        .hasMessageContaining("cannot be read");
    assertThatThrownBy(
            () ->
                config(
                    Map.of(
                        "push-broker",
                        "tcp://mqtt.internal",
                        "push-ca-file",
                        dir.resolve("ca.pem").toString())))
        .isInstanceOf(ConfigException.class);
  }
}
