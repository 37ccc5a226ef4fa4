package dev.verge.hub.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PushConfigTest {
  @Test
  void defaults_fill_in_and_a_bad_broker_or_user_is_named() {
    PushConfig config = PushConfig.of(URI.create("tcp://broker.example:1883"));
    assertThat(config.deviceBroker()).isEqualTo(config.broker());
    assertThat(config.username()).isEqualTo("verge-hub");
    assertThat(PushConfig.port(URI.create("ssl://b"))).isEqualTo(8883);
    assertThat(PushConfig.port(URI.create("tcp://b"))).isEqualTo(1883);

    assertThatThrownBy(() -> PushConfig.of(URI.create("http://broker:1883")))
        .hasMessage("push-broker 'http://broker:1883' must be tcp://host:port or ssl://host:port");
    assertThatThrownBy(
            () ->
                new PushConfig(
                    URI.create("tcp://b:1"), null, "dev-hub", null, null, List.of(), null, null))
        .hasMessageContaining("push-username 'dev-hub'");
    assertThatThrownBy(
            () ->
                new PushConfig(
                    URI.create("tcp://b:1"),
                    null,
                    null,
                    null,
                    null,
                    List.of(),
                    Path.of("ca.pem"),
                    null))
        .hasMessage("push-ca-file applies only to an ssl:// push-broker");
  }

  @Test
  void only_a_presence_topic_names_a_device() {
    assertThat(Push.deviceOf("verge/devices/dev-1/presence")).isEqualTo("dev-1");
    assertThat(Push.deviceOf("verge/devices/dev-1/desired")).isNull();
    assertThat(Push.deviceOf("verge/devices//presence")).isNull();
    assertThat(Push.deviceOf("verge/devices/a/b/presence")).isNull();
  }
}
