package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.signing.Keys;
import java.nio.file.Files;
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
    assertThat(result.err())
        .contains("trust is required: pass --trust, set VERGE_AGENT_TRUST, or write 'trust:'");
  }

  /** Regression: the agent's --hub without a scheme said only "Illegal character in scheme". */
  @Test
  void agent_hub_without_a_scheme_shows_how_to_write_it() {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "127.0.0.1:8420",
            "--data",
            dir.resolve("d").toString(),
            "--trust",
            publisher.publicKey().toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .contains(
            "hub = '127.0.0.1:8420' (flag --hub): has no scheme: write http://127.0.0.1:8420");
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
        .contains(
            "poll-interval = '5 minutes' (flag --poll-interval): is not a duration; allowed: a"
                + " duration above zero: 500ms, 5s, 2m or 1h");
  }

  @Test
  void agent_demanding_cuda_on_the_cpu_build_exits_1_saying_what_is_missing() {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");
    Path data = dir.resolve("device");

    // The test class path has ONNX Runtime's CPU build, as the distribution does.
    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            data.toString(),
            "--trust",
            publisher.publicKey().toString(),
            "--execution-provider",
            "cuda");

    assertThat(result.exit()).as(result.toString()).isEqualTo(1);
    assertThat(result.err())
        .startsWith(
            "verge: execution-provider is cuda, but this ONNX Runtime build has no CUDA provider")
        .contains("onnxruntime_gpu")
        .doesNotContain("\tat ");
    assertThat(data.resolve(AgentCommand.ENDPOINT_FILE)).doesNotExist();
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
  void agent_exits_2_naming_the_flag_when_a_trusted_key_file_is_missing() {
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

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith(
            "verge: trust = '" + missing + "' (flag --trust): " + missing + " does not exist");
  }

  @Test
  void agent_refuses_a_trusted_key_that_is_not_a_key_naming_the_flag() throws Exception {
    Path garbage = java.nio.file.Files.writeString(dir.resolve("p.pub"), "not a key\n");

    Cli.Result result =
        Cli.run(
            "agent",
            "--hub",
            "http://127.0.0.1:1",
            "--data",
            dir.resolve("d").toString(),
            "--trust",
            garbage.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).startsWith("verge: trust = '" + garbage + "' (flag --trust): ");
    assertThat(dir.resolve("d")).doesNotExist();
  }

  @Test
  void agent_refuses_a_data_folder_that_is_a_file_naming_where_it_was_set() throws Exception {
    Keys.KeyFiles publisher = Fixtures.givenKeys(dir, "p");
    Path file = java.nio.file.Files.writeString(dir.resolve("data"), "");
    Path config =
        java.nio.file.Files.writeString(
            dir.resolve("agent.yaml"),
            "agent:\n  hub: http://127.0.0.1:1\n  data: "
                + file
                + "\n  trust: "
                + publisher.publicKey()
                + "\n");

    Cli.Result result = Cli.run("agent", "--config", config.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith(
            "verge: data = '"
                + file
                + "' ("
                + config
                + ":3): "
                + file
                + " exists and is not a folder");
  }

  @Test
  void agent_exits_2_naming_a_missing_metrics_token_file() {
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

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("verge: metrics-token-file = '" + missing + "' (flag --metrics-token-file)")
        .contains("does not exist");
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

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("verge: metrics-open = 'true' (flag --metrics-open)")
        .contains("only on a loopback address, but bind is 0.0.0.0");
  }

  @Test
  void hub_takes_metrics_open_from_a_file_or_the_environment_and_refuses_a_non_boolean()
      throws Exception {
    Path file = dir.resolve("hub.yaml");
    Files.writeString(file, "hub:\n  bind: 0.0.0.0\n  metrics-open: true\n");

    Cli.Result fromFile = Cli.run("hub", "--config", file.toString(), "--port", "0");
    assertThat(fromFile.exit()).as(fromFile.toString()).isEqualTo(2);
    assertThat(fromFile.err()).startsWith("verge: metrics-open = 'true' (" + file + ":3)");

    Cli.Result word = Cli.run("hub", "--metrics-open", "yes", "--port", "0");
    assertThat(word.exit()).as(word.toString()).isEqualTo(2);
    assertThat(word.err()).contains("metrics-open = 'yes'").contains("is not true or false");
  }

  private static Set<String> liveNonDaemonThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && !t.isDaemon())
        .map(t -> t.getName() + "#" + t.threadId())
        .collect(Collectors.toSet());
  }
}
