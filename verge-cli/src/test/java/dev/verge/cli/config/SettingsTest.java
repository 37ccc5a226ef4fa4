package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.verge.agent.AgentConfig;
import dev.verge.cli.logging.LogFormat;
import dev.verge.core.signing.Keys;
import dev.verge.hub.HubConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {
  @TempDir Path dir;

  private Path file(String yaml) throws IOException {
    return Files.writeString(dir.resolve("agent.yaml"), yaml);
  }

  private static Settings agent(
      ConfigFile file, Map<String, String> env, Map<String, List<String>> flags) {
    return Settings.resolve("agent", AgentSettings.ALL, file, env, flags);
  }

  private static final Map<String, List<String>> REQUIRED_FLAGS =
      Map.of(
          "--hub", List.of("http://127.0.0.1:8420"),
          "--data", List.of("/var/lib/verge-agent"),
          "--trust", List.of("/etc/verge/p.pub"));

  @Test
  void flags_win_over_environment_over_file_over_defaults_and_each_value_says_where_it_came_from()
      throws IOException {
    Path path =
        file(
            """
            agent:
              hub: http://file:8420
              data: /from/file
              trust: /etc/verge/p.pub
              port: 7001
              poll-interval: 10s
              forward-interval: 20s
            """);
    Map<String, String> env =
        Map.of("VERGE_AGENT_PORT", "7002", "VERGE_AGENT_POLL_INTERVAL", "30s");
    Map<String, List<String>> flags = Map.of("--port", List.of("7003"));

    Settings settings = agent(ConfigFile.read(path), env, flags);

    assertThat(settings.value(AgentSettings.PORT))
        .isEqualTo(new Settings.Value<>(7003, "7003", new Origin.Flag("--port")));
    assertThat(settings.value(AgentSettings.POLL_INTERVAL))
        .isEqualTo(
            new Settings.Value<>(
                Duration.ofSeconds(30),
                "30s",
                new Origin.Environment("VERGE_AGENT_POLL_INTERVAL")));
    assertThat(settings.value(AgentSettings.FORWARD_INTERVAL))
        .isEqualTo(new Settings.Value<>(Duration.ofSeconds(20), "20s", new Origin.File(path, 7)));
    assertThat(settings.value(AgentSettings.MAX_STORE_MB))
        .isEqualTo(new Settings.Value<>(256L, "256", new Origin.Default()));
    assertThat(settings.get(AgentSettings.HUB)).isEqualTo(URI.create("http://file:8420"));
  }

  @Test
  void the_defaults_are_the_agent_configs_defaults() throws IOException {
    Path key = Keys.writePair(Keys.generate(), dir, "p").publicKey();
    Map<String, List<String>> flags =
        Map.of(
            "--hub", List.of("http://127.0.0.1:8420"),
            "--data", List.of("/var/lib/verge-agent"),
            "--trust", List.of(key.toString()));

    AgentConfig config = AgentSettings.toConfig(agent(null, Map.of(), flags));

    AgentConfig defaults =
        AgentConfig.defaults(URI.create("http://127.0.0.1:8420"), Path.of("/var/lib/verge-agent"))
            .withTrustedKeys(List.of(key));
    assertThat(config).isEqualTo(defaults);
  }

  @Test
  void the_hubs_defaults_are_the_hub_configs_defaults() {
    Settings settings = Settings.resolve("hub", HubSettings.ALL, null, Map.of(), Map.of());

    assertThat(HubSettings.toConfig(settings))
        .isEqualTo(HubConfig.defaults(HubSettings.defaultDataDir()));
  }

  @Test
  void a_bad_value_in_the_file_names_the_setting_the_file_and_line_and_what_is_allowed()
      throws IOException {
    Path path =
        file(
            """
            agent:
              hub: http://hub:8420

              port: 80a
            """);

    assertThatThrownBy(() -> agent(ConfigFile.read(path), Map.of(), REQUIRED_FLAGS))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "port = '80a' ("
                + path
                + ":4): is not a whole number; allowed: 0 to 65535 (0 picks a free port)");
  }

  @Test
  void a_bad_value_in_the_environment_names_the_variable() {
    assertThatThrownBy(
            () -> agent(null, Map.of("VERGE_AGENT_POLL_INTERVAL", "5 minutes"), REQUIRED_FLAGS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "poll-interval = '5 minutes' (environment variable VERGE_AGENT_POLL_INTERVAL): is not a"
                + " duration; allowed: a duration above zero");
  }

  @Test
  void a_bad_line_in_the_file_fails_even_while_a_flag_overrides_it() throws IOException {
    Path path = file("agent:\n  port: 99999\n");

    assertThatThrownBy(
            () ->
                agent(
                    ConfigFile.read(path),
                    Map.of(),
                    Map.of(
                        "--hub", List.of("http://h"),
                        "--data", List.of("/d"),
                        "--trust", List.of("/k.pub"),
                        "--port", List.of("7080"))))
        .hasMessage(
            "port = '99999' ("
                + path
                + ":2): is out of range; allowed: 0 to 65535 (0 picks a free port)");
  }

  @Test
  void an_unknown_key_is_an_error_naming_it_its_line_and_the_nearest_known_one()
      throws IOException {
    Path path = file("agent:\n  hub: http://h\n  pol-interval: 5s\n");

    assertThatThrownBy(() -> agent(ConfigFile.read(path), Map.of(), REQUIRED_FLAGS))
        .hasMessageStartingWith(
            path
                + ":3: unknown setting 'pol-interval' in 'agent:' (did you mean 'poll-interval'?)");
  }

  @Test
  void every_problem_is_reported_at_once() throws IOException {
    Path path = file("agent:\n  hub: ftp://h\n  threads: -1\n  colour: blue\n");

    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> agent(ConfigFile.read(path), Map.of(), Map.of()));

    assertThat(e.problems())
        .hasSize(5)
        .anySatisfy(p -> assertThat(p).contains("unknown setting 'colour'"))
        .anySatisfy(p -> assertThat(p).startsWith("hub = 'ftp://h' (" + path + ":2)"))
        .anySatisfy(p -> assertThat(p).startsWith("threads = '-1' (" + path + ":3)"))
        .anySatisfy(p -> assertThat(p).startsWith("data is required: pass --data"))
        .anySatisfy(p -> assertThat(p).startsWith("trust is required: pass --trust"));
  }

  @Test
  void lists_and_labels_come_as_yaml_repeated_flags_or_comma_separated_variables()
      throws IOException {
    Path path =
        file(
            """
            agent:
              trust:
                - /a.pub
                - /b.pub
              labels:
                site: plant-3
                line: "2"
            """);
    ConfigFile config = ConfigFile.read(path);
    Map<String, List<String>> required =
        Map.of("--hub", List.of("http://h"), "--data", List.of("/d"));

    Settings fromFile = agent(config, Map.of(), required);
    Settings fromEnv =
        agent(
            config,
            Map.of("VERGE_AGENT_TRUST", "/c.pub, /d.pub", "VERGE_AGENT_LABELS", "site=a,tier=x"),
            required);
    Map<String, List<String>> flags = new java.util.HashMap<>(required);
    flags.put("--label", List.of("site=b"));
    Settings fromFlags = agent(config, Map.of(), flags);

    assertThat(fromFile.get(AgentSettings.TRUST))
        .containsExactly(Path.of("/a.pub"), Path.of("/b.pub"));
    assertThat(fromFile.get(AgentSettings.LABELS))
        .isEqualTo(Map.of("site", "plant-3", "line", "2"));
    assertThat(fromEnv.get(AgentSettings.TRUST))
        .containsExactly(Path.of("/c.pub"), Path.of("/d.pub"));
    assertThat(fromEnv.get(AgentSettings.LABELS)).isEqualTo(Map.of("site", "a", "tier", "x"));
    assertThat(fromFlags.get(AgentSettings.LABELS)).isEqualTo(Map.of("site", "b"));
  }

  @Test
  void a_value_of_the_wrong_shape_is_refused() throws IOException {
    Path path = file("agent:\n  port:\n    - 1\n    - 2\n  labels: site=a\n");

    ConfigException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ConfigException.class, () -> agent(ConfigFile.read(path), Map.of(), REQUIRED_FLAGS));

    assertThat(e.problems())
        .containsExactly(
            "port = '1, 2' ("
                + path
                + ":2): takes a single value, not a list or mapping; allowed: 0 to 65535 (0 picks a"
                + " free port)",
            "labels = 'site=a' ("
                + path
                + ":5): takes a mapping of key: value lines; allowed: key=value pairs; keys of"
                + " letters, digits, '.', '_', '/', '-'");
  }

  @Test
  void an_empty_variable_counts_as_unset() {
    Settings settings = agent(null, Map.of("VERGE_AGENT_PORT", ""), REQUIRED_FLAGS);

    assertThat(settings.value(AgentSettings.PORT).origin()).isEqualTo(new Origin.Default());
  }

  @Test
  void a_hub_file_is_refused_by_the_agent() throws IOException {
    Path path = file("hub:\n  port: 8420\n");

    assertThatThrownBy(() -> agent(ConfigFile.read(path), Map.of(), REQUIRED_FLAGS))
        .hasMessageContaining("is a configuration for the hub")
        .hasMessageContaining("needs a 'agent:' section");
  }

  @Test
  void log_format_comes_from_the_same_layers() throws IOException {
    Path path = file("agent:\n  log-format: json\n");

    Settings settings = agent(ConfigFile.read(path), Map.of(), REQUIRED_FLAGS);

    assertThat(settings.get(LogSettings.FORMAT)).isEqualTo(LogFormat.JSON);
    assertThatThrownBy(() -> agent(null, Map.of("VERGE_LOG_FORMAT", "xml"), REQUIRED_FLAGS))
        .hasMessage(
            "log-format = 'xml' (environment variable VERGE_LOG_FORMAT): is not one of the allowed values;"
                + " allowed: text, json");
  }
}
