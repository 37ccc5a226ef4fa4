package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
  @Test
  void verge_help_exits_0_and_lists_every_subcommand() {
    Cli.Result result = Cli.run("--help");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith("Usage: verge");
    for (String command :
        new String[] {
          "hub",
          "agent",
          "keys",
          "bundle",
          "model",
          "deploy",
          "devices",
          "deployments",
          "rollout",
          "tokens",
          "demo",
          "completion",
          "help"
        }) {
      assertThat(result.out()).containsPattern("(?m)^\\s+" + command + "\\s+\\S");
    }
  }

  @Test
  void verge_without_arguments_prints_the_usage_and_exits_0() {
    Cli.Result result = Cli.run();

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith("Usage: verge").contains("deployments");
  }

  @Test
  void verge_demo_help_exits_0_and_lists_its_options() {
    Cli.Result result = Cli.run("demo", "--help");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .startsWith("Usage: verge demo")
        .contains("--once", "--agents", "--requests", "--work", "--keep")
        .contains("default 3", "default 50");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "hub",
        "agent",
        "keys",
        "keys generate",
        "keys trust",
        "keys list",
        "bundle",
        "bundle create",
        "bundle sign",
        "bundle verify",
        "bundle inspect",
        "model",
        "model push",
        "model list",
        "model pull",
        "deploy",
        "devices",
        "deployments",
        "rollout",
        "rollout list",
        "rollout show",
        "rollout pause",
        "rollout resume",
        "rollout abort",
        "rollout rollback",
        "devices label",
        "devices explain",
        "tokens",
        "tokens create",
        "demo",
        "completion"
      })
  void every_command_help_exits_0_and_shows_its_usage(String command) {
    Cli.Result result = Cli.run((command + " --help").split(" "));

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).startsWith("Usage: verge " + command).contains("-h, --help");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void bundle_create_and_deploy_help_work_despite_their_model_version_option() {
    Cli.Result create = Cli.run("bundle", "create", "-h");
    Cli.Result deploy = Cli.run("deploy", "--help");

    assertThat(create.exit()).as(create.toString()).isZero();
    assertThat(create.out()).contains("--version=<version>   Model version (1, 2, ...).");
    assertThat(deploy.exit()).as(deploy.toString()).isZero();
    assertThat(deploy.out()).contains("Published version to deploy.");
  }

  @Test
  void demo_help_wraps_its_description_without_orphaned_words() {
    Cli.Result result = Cli.run("demo", "--help");

    assertThat(result.out().lines().filter(line -> !line.endsWith(":")))
        .allSatisfy(line -> assertThat(line).hasSizeLessThanOrEqualTo(80).contains(" "));
    assertThat(result.out().replaceAll("\\s+", " "))
        .contains("a trained and signed predictive-maintenance model deployed, served, upgraded");
  }

  @Test
  void verge_bundle_help_lists_its_subcommands() {
    Cli.Result result = Cli.run("help", "bundle");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out()).contains("create", "sign", "verify", "inspect");
  }

  @Test
  void verge_version_names_the_version_and_the_commit() {
    Cli.Result result = Cli.run("--version");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .matches("verge 0\\.\\d+\\.\\d+\\S* \\(commit ([0-9a-f]{12}|unknown)(, modified)?\\)\n");
    assertThat(Main.version()).isEqualTo(BuildInfo.CURRENT.version()).doesNotContain("$");
  }

  @Test
  void an_unknown_subcommand_exits_2_with_a_usage_error() {
    Cli.Result result = Cli.run("frobnicate");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("Unmatched argument").contains("'frobnicate'");
    assertThat(result.out()).isEmpty();
  }

  @Test
  void an_unknown_option_exits_2_naming_it() {
    Cli.Result result = Cli.run("bundle", "inspect", "b.vbundle", "--colour");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("--colour");
  }

  @Test
  void a_mistyped_option_is_named_before_the_required_option_it_leaves_missing() {
    Cli.Result result = Cli.run("deploy", "--model", "pump", "--verison", "2");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith("verge: Unknown options: '--verison', '2'\nPossible solutions: --version\n")
        .doesNotContain("Missing required");
  }

  @Test
  void a_missing_required_option_is_still_named_when_nothing_is_mistyped() {
    Cli.Result result = Cli.run("deploy", "--model", "pump");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .isEqualTo(
            "verge: Missing required option: '--version=<version>'\n"
                + "Run 'verge deploy --help' for how to use it.\n");
  }

  @Test
  void a_selector_that_cannot_be_read_names_the_requirement_and_position() {
    Cli.Result result =
        Cli.run("deploy", "--model", "pump", "--version", "1", "--selector", "site=a,line>3");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err())
        .startsWith(
            "verge: Invalid value for option '--selector' (SELECTOR): 'site=a,line>3': cannot read"
                + " selector requirement 2 'line>3' at position 12: expected =, ==, !=, in, notin,"
                + " ',' or the end after key 'line', found '>'\n")
        .doesNotContain("option option");
  }

  @Test
  void a_usage_error_prints_the_error_and_where_help_is_not_the_whole_usage() {
    Cli.Result result = Cli.run("deploy", "--model", "pump", "--version", "x");

    assertThat(result.err().lines())
        .containsExactly(
            "verge: Invalid value for option '--version': 'x' is not a long",
            "Run 'verge deploy --help' for how to use it.");
  }

  @Test
  void a_mistyped_subcommand_gets_suggestions() {
    Cli.Result result = Cli.run("deplyo");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("Did you mean: verge deploy");
  }

  @Test
  void an_unknown_output_format_exits_2_listing_the_formats() {
    Cli.Result result = Cli.run("bundle", "inspect", "b.vbundle", "-o", "yaml");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("yaml").contains("table").contains("json");
  }
}
