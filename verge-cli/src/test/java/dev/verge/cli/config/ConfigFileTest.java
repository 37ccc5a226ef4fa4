package dev.verge.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
  @TempDir Path dir;

  private Path write(String yaml) throws IOException {
    return Files.writeString(dir.resolve("c.yaml"), yaml);
  }

  @Test
  void keeps_each_settings_text_shape_and_line() throws IOException {
    Path path =
        write(
            """
            # comment
            agent:
              name: no
              trust:
                - a.pub
              labels:
                site: lab
            """);

    ConfigFile file = ConfigFile.read(path);

    assertThat(file.section()).isEqualTo("agent");
    // YAML 1.1 reads "no" as false; the text as written is what the setting gets.
    assertThat(file.entries().get("name"))
        .isEqualTo(new ConfigFile.Entry(List.of("no"), 3, Setting.Shape.ONE));
    assertThat(file.entries().get("trust"))
        .isEqualTo(new ConfigFile.Entry(List.of("a.pub"), 4, Setting.Shape.LIST));
    assertThat(file.entries().get("labels"))
        .isEqualTo(new ConfigFile.Entry(List.of("site=lab"), 6, Setting.Shape.MAP));
  }

  @Test
  void a_key_set_twice_names_both_lines() throws IOException {
    Path path = write("hub:\n  port: 1\n  port: 2\n");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .isInstanceOf(ConfigException.class)
        .hasMessage(path + ":3: hub.port is set twice (first on line 2)");
  }

  @Test
  void broken_yaml_names_the_line() throws IOException {
    Path path = write("hub:\n  port: 1\n bind: [\n");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(path + ":")
        .hasMessageContaining("is not valid YAML");
  }

  @Test
  void a_file_without_a_hub_or_agent_section_is_refused() throws IOException {
    Path path = write("port: 8420\n");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .hasMessage(path + ":1: has the top-level key 'port'; expected 'hub:' or 'agent:'");
  }

  @Test
  void an_empty_value_is_refused_rather_than_taken_for_the_default() throws IOException {
    Path path = write("hub:\n  bind:\n");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .hasMessage(path + ":2: hub.bind has no value (remove the line to use the default)");
  }

  @Test
  void nested_values_are_refused() throws IOException {
    Path path = write("agent:\n  labels:\n    site:\n      deep: x\n");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .hasMessage(path + ":4: agent.labels.site must be a plain value");
  }

  @Test
  void a_file_over_the_limit_is_refused_before_it_is_parsed() throws IOException {
    Path path = dir.resolve("big.yaml");
    Files.write(path, new byte[ConfigFile.MAX_BYTES + 1]);

    assertThatThrownBy(() -> ConfigFile.read(path)).hasMessageContaining("is larger than");
  }

  @Test
  void a_missing_file_is_named() {
    Path path = dir.resolve("nope.yaml");

    assertThatThrownBy(() -> ConfigFile.read(path))
        .hasMessage("the configuration file " + path + " does not exist");
  }
}
