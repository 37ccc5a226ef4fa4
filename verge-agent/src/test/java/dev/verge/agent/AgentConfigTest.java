package dev.verge.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigTest extends AgentHarness {

  @Test
  void defaults_are_loopback_and_five_seconds() {
    AgentConfig defaults = AgentConfig.defaults(URI.create("http://hub:8080"), Path.of("data"));

    assertThat(defaults.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(defaults.pollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.forwardInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(defaults.forwardBatchSize()).isEqualTo(500);
    assertThat(defaults.deviceName()).isNotBlank();
  }

  @Test
  void refuses_to_start_without_trusted_keys() {
    assertThatThrownBy(() -> start(config().withTrustedKeys(List.of())))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessage("no trusted publisher keys: pass --trust FILE");
  }

  @Test
  void names_each_bad_value() {
    assertRefused(config().withPort(70_000), "port 70000");
    assertRefused(config().withPollInterval(Duration.ZERO), "poll interval");
    assertRefused(config().withForwarding(Duration.ofSeconds(1), 0), "forward batch size 0");
    assertRefused(config().withBindAddress(" "), "no bind address");
    assertRefused(config().withMaxStoreBytes(1024), "store budget of 1024 bytes");
    assertRefused(config().withMetricsToken(" "), "the metrics token is empty");
    assertRefused(
        AgentConfig.defaults(URI.create("ftp://hub"), data)
            .withTrustedKeys(List.of(bundles.publicKey())),
        "hub URL 'ftp://hub'");
    assertRefused(
        config().withTrustedKeys(List.of(dir.resolve("missing.pub"))),
        "trusted key " + dir.resolve("missing.pub"));
  }

  @Test
  void a_port_in_use_fails_start_naming_it() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> start(config().withPort(port)))
          .isInstanceOf(InvalidConfigException.class)
          .hasMessageStartingWith("cannot serve on 127.0.0.1:" + port)
          .hasMessageContaining("--port");
    }
  }

  @Test
  void never_prints_the_enrollment_token() {
    assertThat(config().toString()).doesNotContain(FakeHub.TOKEN).contains("enrollmentToken=***");
  }

  @Test
  void keeps_the_metrics_token_through_other_settings_and_never_prints_it() {
    AgentConfig config =
        config().withMetricsToken("scrape-secret").withPort(0).withBindAddress("::1");

    assertThat(config.metricsToken()).isEqualTo("scrape-secret");
    assertThat(config.toString()).doesNotContain("scrape-secret").contains("metricsToken=***");
    assertThat(config().metricsToken()).isNull();
  }

  private static void assertRefused(AgentConfig config, String message) {
    assertThatThrownBy(config::validate)
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining(message);
  }
}
