package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.DeviceExplanation;
import dev.verge.core.api.DeviceExplanation.Candidate;
import dev.verge.core.api.DeviceExplanation.ModelChoice;
import dev.verge.core.api.DeviceView;
import dev.verge.core.api.LabelChange;
import dev.verge.core.api.RolloutPhase;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/** {@code verge devices label} and {@code explain} without a hub: what is sent and shown. */
class DeviceLabelsTest {
  static LabelChange change(String... edits) {
    return DevicesCommand.Label.change(new CommandLine(new DevicesCommand.Label()), List.of(edits));
  }

  @Test
  void sets_with_equals_and_removes_with_a_trailing_dash_as_kubectl_does() {
    LabelChange change = change("site=plant-7", "line-", "note=", "zone/x.y_z=a b");

    assertThat(change.set())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("site", "plant-7", "note", "", "zone/x.y_z", "a b"));
    assertThat(change.remove()).containsExactly("line");
  }

  @Test
  void a_value_may_hold_an_equals_sign() {
    assertThat(change("expr=a=b").set()).containsExactly(Map.entry("expr", "a=b"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "site | Invalid label change 'site': write key=value to set a label or key- to remove one",
        "=x | Invalid label change '=x': key '' must be 1-63 letters",
        "- | Invalid label change '-': key '' must be 1-63 letters",
        "-site=x | Unknown option: '-site=x'",
        "si te=x | Invalid label change 'si te=x': key 'si te' must be 1-63 letters",
      })
  void names_the_argument_it_cannot_read(String edit, String problem) {
    Cli.Result result = Cli.run("devices", "label", "pump-1", edit, "--hub", "http://127.0.0.1:9");

    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.err()).startsWith("verge: " + problem);
    assertThat(result.err()).contains("Run 'verge devices label --help' for how to use it.");
  }

  @Test
  void refuses_a_key_given_twice_and_a_value_too_long() {
    Cli.Result twice = Cli.run("devices", "label", "pump-1", "site=a", "site-");
    Cli.Result setTwice = Cli.run("devices", "label", "pump-1", "site=a", "site=b");
    Cli.Result long_ = Cli.run("devices", "label", "pump-1", "site=" + "v".repeat(256));

    assertThat(twice.exit()).isEqualTo(2);
    assertThat(twice.err())
        .startsWith("verge: Invalid label change 'site-': label 'site' is given twice");
    assertThat(setTwice.err())
        .startsWith("verge: Invalid label change 'site=b': label 'site' is given twice");
    assertThat(long_.err()).contains("value of 'site' must be a string of at most 255 characters");
  }

  @Test
  void needs_at_least_one_change() {
    Cli.Result result = Cli.run("devices", "label", "pump-1");

    assertThat(result.exit()).isEqualTo(2);
    assertThat(result.err()).startsWith("verge: Missing required parameter");
  }

  @Test
  void explain_shows_the_winner_and_what_it_overrode_per_model() {
    Instant t = Instant.parse("2026-12-01T10:00:00.123Z");
    DeviceView device =
        new DeviceView("dev-1", "pump-1", Map.of("site", "plant-7"), t, t, null, 0, true);
    DeviceExplanation explanation =
        new DeviceExplanation(
            "dev-1",
            List.of(
                new ModelChoice(
                    "pump",
                    new Candidate(9, 4, 10, "site=plant-7", t, RolloutPhase.COMPLETED, false),
                    List.of(
                        new Candidate(8, 5, 0, "", t, RolloutPhase.COMPLETED, false),
                        new Candidate(7, 2, 0, "", t, RolloutPhase.ROLLED_BACK, true))),
                new ModelChoice(
                    "vad",
                    new Candidate(3, 1, 0, "tier in (a,b)", t, RolloutPhase.SOAKING, false),
                    List.of())));

    String text = DevicesCommand.Explain.render(device, explanation);

    assertThat(text)
        .startsWith("Device pump-1 (dev-1), labels {site=plant-7}\n")
        .containsPattern(
            "MODEL\\s+ROLE\\s+DEPLOYMENT\\s+VERSION\\s+PRIORITY\\s+STATE\\s+SELECTOR\\s+CREATED")
        .containsPattern(
            "(?m)^pump\\s+wins\\s+9\\s+4\\s+10\\s+COMPLETED\\s+site=plant-7\\s+2026-12-01T10:00:00Z$")
        .containsPattern("(?m)^\\s+overridden\\s+8\\s+5\\s+0\\s+COMPLETED\\s+all\\s+")
        .containsPattern(
            "(?m)^\\s+overridden\\s+7\\s+2 \\(rollback\\)\\s+0\\s+ROLLED_BACK\\s+all\\s+")
        .containsPattern("(?m)^vad\\s+wins\\s+3\\s+1\\s+0\\s+SOAKING\\s+tier in \\(a,b\\)\\s+");
    assertThat(
            DevicesCommand.Explain.render(
                new DeviceView("dev-2", "pump-2", Map.of(), t, t, null, 0, true),
                new DeviceExplanation("dev-2", List.of())))
        .isEqualTo("Device pump-2 (dev-2), labels none\nNo deployment targets this device.\n");
  }
}
