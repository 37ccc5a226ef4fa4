package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.config.AgentSettings;
import dev.verge.cli.config.ConfigFile;
import dev.verge.cli.config.HubSettings;
import dev.verge.cli.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigCommandTest {
  /** The examples the release ships, at the repository root. */
  private static final Path EXAMPLES = Path.of("..", "config");

  @TempDir Path dir;

  @Test
  void the_shipped_hub_example_is_valid_and_check_shows_where_each_setting_comes_from() {
    Path example = EXAMPLES.resolve("hub.example.yaml");

    Cli.Result result = Cli.run("config", "check", example.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .startsWith("OK: " + example + " is a valid hub configuration")
        .containsPattern(
            "port +8420 +" + java.util.regex.Pattern.quote(example.toString()) + ":\\d+")
        .contains("max-bundle-mb")
        .contains("log-format");
  }

  @Test
  void check_shows_a_store_url_without_its_password() throws IOException {
    Path file = dir.resolve("hub.yaml");
    Files.writeString(file, "hub:\n  store: postgresql://verge:hunter2@db.internal/fleet\n");

    Cli.Result result = Cli.run("config", "check", file.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("postgresql://verge:***@db.internal/fleet")
        .doesNotContain("hunter2");
  }

  @Test
  void the_shipped_agent_example_is_valid() {
    Path example = EXAMPLES.resolve("agent.example.yaml");

    Cli.Result result = Cli.run("config", "check", example.toString());

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .startsWith("OK: " + example + " is a valid agent configuration")
        .contains("site=plant-3")
        .contains("/etc/verge/publisher.pub")
        .containsPattern("pump-watch +files +every 10000ms +pump-failure +1");
  }

  @Test
  void the_examples_show_every_setting_there_is() throws IOException {
    assertThat(shown(EXAMPLES.resolve("hub.example.yaml")))
        .containsExactlyInAnyOrderElementsOf(HubSettings.ALL.stream().map(Setting::key).toList());
    assertThat(shown(EXAMPLES.resolve("agent.example.yaml")))
        .containsExactlyInAnyOrderElementsOf(AgentSettings.ALL.stream().map(Setting::key).toList());
  }

  /**
   * The settings an example shows: those it sets, and those it leaves at their default with a
   * commented-out line ({@code # key: value}), where a copied value would fail at start (a file the
   * operator may not have).
   */
  private static java.util.Set<String> shown(Path example) throws IOException {
    java.util.Set<String> keys =
        new java.util.TreeSet<>(ConfigFile.read(example).entries().keySet());
    java.util.regex.Pattern commented = java.util.regex.Pattern.compile("^  # ([a-z][a-z-]*): \\S");
    for (String line : Files.readAllLines(example)) {
      java.util.regex.Matcher m = commented.matcher(line);
      if (m.find()) {
        keys.add(m.group(1));
      }
    }
    return keys;
  }

  @Test
  void a_file_with_mistakes_exits_2_listing_each_with_its_line() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("hub.yaml"), "hub:\n  port: eighty\n  max-bundle-mb: 0\n  bnid: 0.0.0.0\n");

    Cli.Result result = Cli.run("config", "check", file.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .contains("verge: " + file + ":4: unknown setting 'bnid' in 'hub:' (did you mean 'bind'?)")
        .contains("verge: port = 'eighty' (" + file + ":2): is not a whole number")
        .contains("verge: max-bundle-mb = '0' (" + file + ":3): is out of range; allowed: 1 to");
  }

  @Test
  void an_agent_file_s_setting_and_pipeline_mistakes_are_listed_together() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("agent.yaml"),
            "agent:\n  hub: http://h:1\n  port: eighty\n  pipelines:\n    p:\n      model: m\n"
                + "      source: {file: /x}\n      schedule: {every: 5x}\n"
                + "      input: {features: [a]}\n");

    Cli.Result checked = Cli.run("config", "check", file.toString());
    Cli.Result started = Cli.run("agent", "--config", file.toString());

    for (Cli.Result result : List.of(checked, started)) {
      assertThat(result.exit()).as(result.toString()).isEqualTo(2);
      assertThat(result.err())
          .contains("port = 'eighty' (" + file + ":3)")
          .contains(file + ":8: pipelines.p.schedule.every: '5x' is not a duration");
    }
  }

  @Test
  void hub_refuses_to_start_on_a_bad_file_naming_the_setting() throws IOException {
    Path file =
        Files.writeString(dir.resolve("hub.yaml"), "hub:\n  data: " + dir + "\n  port: -1\n");

    Cli.Result result = Cli.run("hub", "--config", file.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("port = '-1' (" + file + ":3): is out of range");
    assertThat(dir.resolve("hub.db")).doesNotExist();
  }

  @Test
  void agent_refuses_a_hub_file() throws IOException {
    Path file = Files.writeString(dir.resolve("hub.yaml"), "hub:\n  port: 8420\n");

    Cli.Result result = Cli.run("agent", "--config", file.toString());

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("is a configuration for the hub");
  }
}
