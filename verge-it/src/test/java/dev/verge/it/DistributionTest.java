package dev.verge.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.cli.Main;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The release archive as a user gets it: unpacked into an empty folder and run through its own
 * {@code bin/verge}, with no source tree and no Maven around it. What users run is what this
 * proves.
 */
class DistributionTest {
  private static Installed verge;

  @BeforeAll
  static void unpack() throws Exception {
    verge = Installed.archive();
  }

  @Test
  void archive_holds_the_launcher_libraries_license_readme_and_units() {
    assertThat(verge.home.resolve("bin/verge")).isExecutable();
    assertThat(verge.home.resolve("libexec/find-java.sh")).isRegularFile();
    assertThat(verge.home.resolve("LICENSE")).content().contains("Apache License");
    assertThat(verge.home.resolve("README.md")).content().contains("## Install");
    assertThat(verge.home.resolve("systemd/verge-hub.service")).isRegularFile();
    assertThat(verge.home.resolve("systemd/verge-agent.service")).isRegularFile();
    assertThat(verge.home.resolve("config/hub.example.yaml")).isRegularFile();
    assertThat(verge.home.resolve("config/agent.example.yaml")).isRegularFile();
  }

  @Test
  void the_shipped_example_configuration_passes_its_own_check(@TempDir Path work) throws Exception {
    for (String file : List.of("hub.example.yaml", "agent.example.yaml")) {
      Installed.Run run =
          verge.verge(
              work,
              Duration.ofSeconds(30),
              "config",
              "check",
              verge.home.resolve("config").resolve(file).toString());

      assertThat(run.exit()).as(run.output()).isZero();
      assertThat(run.output()).as(file).contains("OK");
    }
  }

  @Test
  void agent_and_hub_class_path_carries_nothing_of_the_demo() throws IOException {
    List<String> lib = jars(verge.home.resolve("lib"));
    List<String> demo = jars(verge.home.resolve("lib/demo"));

    assertThat(lib).anyMatch(j -> j.startsWith("verge-agent-")).anyMatch(j -> j.startsWith("onnx"));
    // ONNX's protobuf classes are the runtime's own (it carries unsigned tensors with them).
    assertThat(lib)
        .anyMatch(j -> j.startsWith("tribuo-util-onnx-"))
        .anyMatch(j -> j.startsWith("protobuf-java-"))
        .noneMatch(j -> j.startsWith("tribuo-core") || j.startsWith("olcut"));
    assertThat(demo).anyMatch(j -> j.startsWith("tribuo-core-"));
    assertThat(demo).noneMatch(j -> j.startsWith("tribuo-util-onnx-"));
    assertThat(demo).doesNotContainAnyElementsOf(lib);
    // One Netty for the gRPC door and the MQTT client (HiveMQ is built on 4.1, grpc-netty on 4.2).
    assertThat(lib)
        .anyMatch(j -> j.startsWith("hivemq-mqtt-client-"))
        .filteredOn(j -> j.startsWith("netty-"))
        .isNotEmpty()
        .allMatch(j -> j.contains("-4.2."));
  }

  /**
   * Regression: the tree ./verge runs kept jars of earlier builds (an upgraded protobuf sat beside
   * its old version on the demo's class path); it must hold exactly what the archive holds.
   */
  @Test
  void the_tree_that_dot_verge_runs_holds_exactly_the_archives_jars() throws IOException {
    Path archive = Path.of(System.getProperty("verge.dist.archive"));
    Path tree =
        archive.resolveSibling("verge-" + Installed.VERSION).resolve("verge-" + Installed.VERSION);

    assertThat(jars(tree.resolve("lib"))).isEqualTo(jars(verge.home.resolve("lib")));
    assertThat(jars(tree.resolve("lib/demo"))).isEqualTo(jars(verge.home.resolve("lib/demo")));
  }

  @Test
  void version_names_the_release_and_the_commit_it_was_built_from(@TempDir Path work)
      throws Exception {
    Installed.Run run = verge.verge(work, Duration.ofSeconds(30), "--version");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output().strip())
        .matches(
            "verge "
                + Pattern.quote(Installed.VERSION)
                + " \\(commit ([0-9a-f]{12}|unknown)(, modified)?\\)");
  }

  /** Regression: the demo died at step 3 (tribuo-util-onnx was on the test class path only). */
  @Test
  void demo_runs_from_the_unpacked_archive_alone(@TempDir Path work) throws Exception {
    Installed.Run run =
        verge.verge(work, Duration.ofMinutes(4), "demo", "--once", "--requests", "20");

    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output()).contains("[15/15] Summary");
    // Issue 9: a far-edge pipeline, offline for a while, gets every result to the hub.
    assertThat(run.output())
        .containsPattern(
            "Far edge: +far-edge \\(\\S+\\) offline 3 s; all [1-9]\\d* pipeline predictions and \\d+"
                + " events made until the link came back reached the hub \\([1-9]\\d* predictions"
                + " made offline\\)");
    // The bad release is stopped in the canary by the hub itself.
    assertThat(run.output())
        .containsPattern(
            "Bad release: +v3 ROLLED_BACK in the canary: gate mean:output\\[1\\]<0.8 failed");
    // Regression: Tribuo's protobuf 3.25 made JDK 24+ warn about sun.misc.Unsafe on every run.
    assertThat(run.output()).doesNotContain("WARNING");
    Pattern row =
        Pattern.compile("(?m)^(\\S+)\\s+(\\S+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s");
    Matcher m = row.matcher(run.output());
    int rows = 0;
    while (m.find()) {
      rows++;
      assertThat(m.group(3)).as("active version of " + m.group(1)).isEqualTo("2");
      assertThat(Long.parseLong(m.group(4))).as("served by " + m.group(1)).isGreaterThan(20);
      assertThat(m.group(5)).as("synced from " + m.group(1)).isEqualTo(m.group(4));
      assertThat(m.group(6)).as("failed on " + m.group(1)).isEqualTo("0");
    }
    assertThat(rows).as(run.output()).isEqualTo(3);
  }

  @Test
  void systemd_units_are_valid_hardened_and_start_real_commands(@TempDir Path work)
      throws Exception {
    for (String unit : List.of("verge-hub.service", "verge-agent.service")) {
      String text = Files.readString(verge.home.resolve("systemd").resolve(unit));
      assertThat(text)
          .contains(
              "User=verge",
              "ProtectSystem=strict",
              "ProtectHome=yes",
              "NoNewPrivileges=yes",
              "StateDirectory=verge/",
              "Restart=on-failure");

      // systemd itself checks the unit, with the binary where this archive was unpacked.
      Path copy = work.resolve(unit);
      Files.writeString(copy, text.replace("/opt/verge", verge.home.toString()));
      Process check =
          new ProcessBuilder("systemd-analyze", "verify", copy.toString())
              .redirectErrorStream(true)
              .start();
      String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor()).as(said).isZero();
      assertThat(said).as(unit).isBlank();

      // The command line it starts is one the CLI accepts.
      CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(execArgs(text));
      assertThat(parsed.subcommand().isUsageHelpRequested()).isFalse();
      assertThat(parsed.subcommand().commandSpec().name()).isEqualTo(unit.split("[-.]")[1]);
    }
  }

  /** ExecStart's arguments after the binary, with systemd's variables given sample values. */
  private static String[] execArgs(String unit) {
    String line =
        unit.lines()
            .filter(l -> l.startsWith("ExecStart="))
            .findFirst()
            .orElseThrow()
            .substring(10);
    List<String> args = new ArrayList<>(List.of(line.split("\\s+")));
    args.removeFirst();
    return args.stream()
        .map(
            a ->
                a.replace("${STATE_DIRECTORY}", "/var/lib/verge/x")
                    .replace("${CREDENTIALS_DIRECTORY}", "/run/credentials/x"))
        .toArray(String[]::new);
  }

  private static List<String> jars(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".jar"))
          .sorted()
          .toList();
    }
  }
}
