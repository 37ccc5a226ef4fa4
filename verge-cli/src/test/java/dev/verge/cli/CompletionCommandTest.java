package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code verge completion}: the scripts, and bash completing real command lines with them. */
class CompletionCommandTest {
  @TempDir Path dir;

  @Test
  void completion_bash_prints_a_script_that_registers_completion_for_verge() {
    Cli.Result result = Cli.run("completion", "bash");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .startsWith(
            "#!/usr/bin/env bash\n# verge completion for bash: source <(verge completion bash)")
        .contains("complete -F _complete_verge")
        .doesNotContain("\r");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void completion_zsh_prints_the_script_that_zsh_loads_through_bashcompinit() {
    Cli.Result result = Cli.run("completion", "zsh");

    assertThat(result.exit()).as(result.toString()).isZero();
    assertThat(result.out())
        .contains("# verge completion for zsh: source <(verge completion zsh)")
        .contains("autoload -U +X bashcompinit && bashcompinit")
        .contains("complete -F _complete_verge");
  }

  @Test
  void completion_for_another_shell_exits_2_naming_the_shells_it_knows() {
    Cli.Result result = Cli.run("completion", "fish");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).contains("fish").contains("bash").contains("zsh");
  }

  @Test
  void bash_completes_subcommands_options_and_shells_with_the_script()
      throws IOException, InterruptedException {
    Path script = dir.resolve("verge.bash");
    Files.writeString(script, Cli.run("completion", "bash").out());

    assertThat(complete(script, "verge", "dep")).containsExactly("deploy", "deployments");
    assertThat(complete(script, "verge", "deploy", "--rol")).containsExactly("--rollback");
    assertThat(complete(script, "verge", "tokens", "create", "--o")).contains("--out", "--output");
    assertThat(complete(script, "verge", "completion", "")).containsExactly("bash", "zsh");
  }

  @Test
  void bash_completes_the_rollout_commands_and_flags_from_the_same_model()
      throws IOException, InterruptedException {
    Path script = dir.resolve("verge.bash");
    Files.writeString(script, Cli.run("completion", "bash").out());

    assertThat(complete(script, "verge", "rol")).containsExactly("rollout");
    assertThat(complete(script, "verge", "rollout", ""))
        .contains("list", "show", "pause", "resume", "abort", "rollback");
    assertThat(complete(script, "verge", "rollout", "pause", "--r")).contains("--reason");
    assertThat(complete(script, "verge", "devices", "")).contains("label", "explain");
    assertThat(complete(script, "verge", "deploy", "--ca")).containsExactly("--canary");
    assertThat(complete(script, "verge", "deploy", "--wa"))
        .containsExactlyInAnyOrder("--wait", "--waves", "--wait-between");
    assertThat(complete(script, "verge", "deploy", "--on-fail", ""))
        .containsExactlyInAnyOrder("ROLLBACK", "PAUSE");
  }

  /** What bash offers for the last word after sourcing {@code script}, one word a line. */
  private static List<String> complete(Path script, String... words)
      throws IOException, InterruptedException {
    String line = String.join(" ", words);
    String program =
        "source \"$1\" 2>/dev/null; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1));"
            + " COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE};"
            + " _complete_verge verge \"${COMP_WORDS[COMP_CWORD]}\" 2>/dev/null;"
            + " printf '%s\\n' \"${COMPREPLY[@]}\"";
    List<String> command =
        new java.util.ArrayList<>(List.of("bash", "-c", program, "bash", script.toString()));
    command.addAll(List.of(words));
    Process bash = new ProcessBuilder(command).redirectErrorStream(true).start();
    bash.getOutputStream().close();
    String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(bash.waitFor(20, TimeUnit.SECONDS)).as("bash finished for '" + line + "'").isTrue();
    return out.lines().filter(s -> !s.isBlank()).toList();
  }
}
