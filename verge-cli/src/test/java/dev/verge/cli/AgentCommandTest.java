package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.signing.Keys;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only the ways {@code verge agent} fails before serving: on success it blocks until the JVM stops,
 * so the serving path is covered end to end in verge-it.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentCommandTest {
  @TempDir Path dir;

  @Test
  void agent_without_trust_is_a_usage_error() {
    Cli.Result result =
        Cli.run("agent", "--hub", "http://127.0.0.1:1", "--data", dir.resolve("d").toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("Missing required option").contains("--trust");
  }

  @Test
  void agent_refuses_a_poll_interval_written_in_words() {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            dir.resolve("d").toString(),
            "--trust",
            publisher.publicKey().toString(),
            "--poll-interval",
            "5 minutes");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .contains("--poll-interval")
        .contains("'5 minutes' is not a duration: write e.g. 500ms, 5s, 2m or 1h");
  }

  @Test
  void agent_that_is_not_enrolled_and_has_no_token_exits_1_asking_for_one() {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");
    Path data = dir.resolve("device");
    Set<String> threadsBefore = liveNonDaemonThreads();

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            data.toString(),
            "--port",
            "0",
            "--trust",
            publisher.publicKey().toString(),
            "--name",
            "pump-1");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith("verge: device is not enrolled: pass --enroll-token-file FILE")
        .doesNotContain("\tat ");
    assertThat(result.out()).doesNotContain("serving");
    assertThat(data.resolve(AgentCommand.ENDPOINT_FILE)).doesNotExist();
    assertThat(liveNonDaemonThreads()).isSubsetOf(threadsBefore);
  }

  @Test
  void agent_exits_1_when_a_trusted_key_file_is_missing() {
    Path missing = dir.resolve("nobody.pub");

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            dir.resolve("d").toString(),
            "--port",
            "0",
            "--trust",
            missing.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: ").contains(missing.toString());
  }

  @Test
  void agent_exits_1_naming_a_missing_metrics_token_file() {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");
    Path missing = dir.resolve("metrics.token");

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            dir.resolve("d").toString(),
            "--port",
            "0",
            "--trust",
            publisher.publicKey().toString(),
            "--metrics-token-file",
            missing.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).startsWith("verge: ").contains("metrics token file " + missing);
  }

  @Test
  void hub_refuses_open_metrics_beyond_loopback_before_listening() {
    Cli.Result result =
        Cli.run(
            "hub",
            "--data",
            dir.resolve("hub").toString(),
            "--bind",
            "0.0.0.0",
            "--port",
            "0",
            "--metrics-open");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err()).contains("--metrics-open").contains("loopback").contains("0.0.0.0");
  }

  private static Set<String> liveNonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .map(t -> t.getName() + "#" + t.threadId())
        .collect(Collectors.toSet());
  }
}
