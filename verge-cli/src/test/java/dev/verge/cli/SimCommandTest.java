package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.hub.Hub;
import dev.verge.hub.HubConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCommandTest {
  @TempDir Path dir;

  @Test
  void sim_enrolls_its_devices_prints_a_line_a_second_and_a_total() throws Exception {
    try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
      Path token = Files.writeString(dir.resolve("admin.token"), hub.adminToken());

      Cli.Result result =
          Cli.run(
              "sim",
              "--hub",
              hub.url().toString(),
              "--token-file",
              token.toString(),
              "--devices",
              "5",
              "--wait",
              "0",
              "--interval",
              "100ms",
              "--duration",
              "2s");

      assertThat(result.exit()).as(result.toString()).isZero();
      assertThat(result.out())
          .contains("enrolled 5 devices in")
          .containsPattern("   1s  polls/s +\\d+ \\(304 +\\d+%\\)")
          .contains("errors 0")
          .contains("total: ")
          .contains("running {-=5}");
      assertThat(new dev.verge.cli.client.HubAdminClient(hub.url(), hub.adminToken()).devices())
          .hasSize(5);
    }
  }

  @Test
  void sim_push_against_a_hub_without_push_long_polls_and_says_so() throws Exception {
    try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
      Path token = Files.writeString(dir.resolve("admin.token"), hub.adminToken());

      Cli.Result result =
          Cli.run(
              "sim",
              "--hub",
              hub.url().toString(),
              "--token-file",
              token.toString(),
              "--devices",
              "5",
              "--wait",
              "1",
              "--push",
              "--duration",
              "2s");

      assertThat(result.exit()).as(result.toString()).isZero();
      assertThat(result.out())
          .contains("running (push, else long polls of 1 s)")
          .contains("push 0 connected, 0 msgs, change→fetch p50 - p99 -")
          .contains("push: 0 connected, 0 messages, 5 refused by the hub, change→fetch 0");
    }
  }

  @Test
  void a_wrong_token_or_download_mode_is_refused_clearly() throws Exception {
    try (Hub hub = Hub.start(HubConfig.defaults(dir.resolve("hub")).withPort(0))) {
      Path token = Files.writeString(dir.resolve("wrong.token"), "nope");

      Cli.Result wrong =
          Cli.run("sim", "--hub", hub.url().toString(), "--token-file", token.toString());
      Cli.Result mode =
          Cli.run(
              "sim",
              "--hub",
              hub.url().toString(),
              "--token-file",
              token.toString(),
              "--download",
              "some");

      assertThat(wrong.exit()).isNotZero();
      assertThat(wrong.err()).contains("the hub refused the admin token (401)");
      assertThat(mode.err()).contains("--download must be full or skip, got 'some'");
    }
  }
}
