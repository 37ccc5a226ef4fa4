package dev.verge.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.verge.core.api.Gate;
import dev.verge.core.api.MaintenanceWindow;
import dev.verge.core.api.RolloutPlan;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

/**
 * How {@code verge deploy} reads its rollout flags, without a hub: each value is checked as it is
 * read and the mistakes are named (flag and value) before anything is sent.
 */
class DeployFlagsTest {
  /** The deploy command as verge parses {@code deploy --model pump --version 3 extra...}. */
  static Parsed parse(String... extra) {
    List<String> args = new ArrayList<>(List.of("deploy", "--model", "pump", "--version", "3"));
    args.addAll(List.of(extra));
    CommandLine root = Main.commandLine();
    CommandLine.ParseResult result = root.parseArgs(args.toArray(String[]::new));
    CommandLine deploy = result.subcommand().commandSpec().commandLine();
    return new Parsed(deploy, deploy.getCommand());
  }

  record Parsed(CommandLine line, DeployCommand command) {
    RolloutPlan plan() {
      return command.rollout.plan(line);
    }

    MaintenanceWindow window() {
      return command.rollout.window(line);
    }
  }

  /** Runs verge with the flags and no hub: only a usage error can come out. */
  static Cli.Result refused(String... extra) {
    List<String> args = new ArrayList<>(List.of("deploy", "--model", "pump", "--version", "3"));
    args.addAll(List.of(extra));
    args.addAll(List.of("--hub", "http://127.0.0.1:9", "--token-file", "no-such-token-file"));
    Cli.Result result = Cli.run(args.toArray(String[]::new));
    assertThat(result.exit()).as(result.toString()).isEqualTo(2);
    assertThat(result.out()).isEmpty();
    return result;
  }

  @Test
  void reads_the_whole_rollout_the_issue_asks_for() {
    Parsed p =
        parse(
            "--selector",
            "site=plant-7,tier in (a,b)",
            "--canary",
            "5%",
            "--waves",
            "25%,50%,100%",
            "--soak",
            "10m",
            "--gate",
            "error_rate<1%,p95_latency_ms<20,install_success>=99%",
            "--on-fail",
            "pause",
            "--min-devices",
            "2",
            "--min-requests",
            "100",
            "--report-deadline",
            "15m");

    assertThat(p.plan())
        .isEqualTo(
            new RolloutPlan(
                "5%",
                List.of("25%", "50%", "100%"),
                Duration.ofMinutes(10),
                List.of(
                    new Gate("error_rate", Gate.Op.LT, 0.01),
                    new Gate("p95_latency_ms", Gate.Op.LT, 20),
                    new Gate("install_success", Gate.Op.GE, 0.99)),
                RolloutPlan.OnFail.PAUSE,
                2,
                100L,
                Duration.ofMinutes(15)));
    assertThat(p.window()).isNull();
  }

  @Test
  void wait_between_is_another_name_for_soak() {
    assertThat(parse("--wait-between", "90s").plan().soak()).isEqualTo(Duration.ofSeconds(90));
    assertThat(parse("--soak", "0s").plan().soak()).isEqualTo(Duration.ZERO);
  }

  @Test
  void without_rollout_flags_there_is_no_plan_and_no_window() {
    Parsed p = parse();

    assertThat(p.plan()).isNull();
    assertThat(p.window()).isNull();
    assertThat(p.command().rollout.maxDownloads(p.line())).isNull();
  }

  @Test
  void counts_and_shares_may_be_mixed_and_gates_repeated() {
    Parsed p =
        parse(
            "--canary",
            "3",
            "--waves",
            "10,50%",
            "--gate",
            "error_rate<1%",
            "--gate",
            "mean:output[1]<=0.5",
            "--on-fail",
            "ROLLBACK");

    assertThat(p.plan().canary()).isEqualTo("3");
    assertThat(p.plan().waves()).containsExactly("10", "50%");
    assertThat(p.plan().gates())
        .extracting(Gate::toString)
        .containsExactly("error_rate<1%", "mean:output[1]<=0.5");
    assertThat(p.plan().onFail()).isEqualTo(RolloutPlan.OnFail.ROLLBACK);
  }

  @Test
  void a_gate_alone_is_a_plan_with_the_defaults() {
    RolloutPlan plan = parse("--gate", "error_rate<5%").plan();

    assertThat(plan.canary()).isNull();
    assertThat(plan.waves()).isEmpty();
    assertThat(plan.onFail()).isEqualTo(RolloutPlan.OnFail.ROLLBACK);
    assertThat(plan.minDevices()).isNull();
  }

  @Test
  void reads_a_window_an_idle_time_and_both() {
    assertThat(parse("--window", "01:00-04:00").window())
        .isEqualTo(new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), null));
    assertThat(parse("--window", "22:30 - 04:00", "--idle", "2m").window())
        .isEqualTo(new MaintenanceWindow(LocalTime.of(22, 30), LocalTime.of(4, 0), 120));
    assertThat(parse("--idle", "30s").window()).isEqualTo(new MaintenanceWindow(null, null, 30));
  }

  @Test
  void reads_the_download_limit() {
    Parsed p = parse("--max-downloads", "4");

    assertThat(p.command().rollout.maxDownloads(p.line())).isEqualTo(4);
  }

  @ParameterizedTest(name = "[{index}] {0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "--canary | 0 | Invalid value for option '--canary': '0' is not a wave size: a count is 1"
            + " device or more",
        "--canary | 0% | Invalid value for option '--canary': '0%' is not a wave size: a share is"
            + " 1% to 100%",
        "--canary | 150% | '150%' is not a wave size: a share is 1% to 100%",
        "--canary | five | Invalid value for option '--canary': 'five' is not a wave size: write a"
            + " device count (3) or a share (5%)",
        "--canary | 2.5% | '2.5%' is not a wave size",
        "--waves | 25%,x,100% | Invalid value for option '--waves' (SIZES): 'x' is not a wave size",
        "--waves | 25%,10%,100% | Invalid value for option '--waves': '25%,10%,100%' must grow from"
            + " wave to wave (sizes are cumulative), but 10% follows 25%",
        "--waves | 5,5 | but 5 follows 5",
        "--soak | 10 minutes | Invalid value for option '--soak': '10 minutes' is not a duration",
        "--wait-between | 1d | Invalid value for option '--wait-between': '1d' is not a duration",
        "--gate | error_rate<1%,latency=3 | Invalid value for option '--gate' (CONDITIONS): cannot"
            + " read gate 'latency=3'",
        "--gate | errors<1 | unknown gate metric 'errors'",
        "--on-fail | retry | Invalid value for option '--on-fail': expected one of [ROLLBACK,"
            + " PAUSE] (case-insensitive) but was 'retry'",
        "--report-deadline | soon | Invalid value for option '--report-deadline': 'soon' is not a"
            + " duration",
        "--report-deadline | 0s | Invalid value for option '--report-deadline': '0s' must be longer"
            + " than 0s",
        "--window | 1-4 | Invalid value for option '--window': '1-4' is not a window: write"
            + " HH:MM-HH:MM in the device's local time, e.g. 01:00-04:00",
        "--window | 25:00-04:00 | '25:00-04:00' is not a window",
        "--window | 03:00-03:00 | '03:00-03:00' is not a window: its start and end must differ",
        "--idle | 500ms | Invalid value for option '--idle': '500ms' must be whole seconds, 1s or"
            + " more",
        "--idle | 0s | Invalid value for option '--idle': '0s' must be whole seconds",
        "--max-downloads | 0 | Invalid value for option '--max-downloads': '0' must be 1 or more",
        "--max-downloads | many | Invalid value for option '--max-downloads': 'many' is not an int",
        "--priority | high | Invalid value for option '--priority': 'high' is not an int",
        "--selector | site>3 | Invalid value for option '--selector' (SELECTOR): 'site>3': cannot read selector"
            + " requirement 1 'site>3' at position 5: expected =, ==, !=, in, notin, ',' or the end"
            + " after key 'site', found '>'",
        "--selector | site=a,tier in (a | requirement 2 'tier in (a' at position 18: expected ')' to close the set, found the end",
      })
  void names_the_flag_and_the_value_it_cannot_use(String flag, String value, String problem) {
    Cli.Result result = refused(flag, value);

    assertThat(result.err().lines())
        .hasSize(2)
        .first()
        .asString()
        .startsWith("verge: ")
        .contains(problem);
    assertThat(result.err().lines().toList().get(1))
        .isEqualTo("Run 'verge deploy --help' for how to use it.");
  }

  @Test
  void soak_and_wait_between_together_are_refused() {
    assertThat(refused("--soak", "1m", "--wait-between", "2m").err())
        .startsWith("verge: --soak and --wait-between are one setting: give one of them\n");
  }

  @Test
  void repeated_selectors_must_all_hold_and_are_sent_in_canonical_form() {
    Parsed p =
        parse("--selector", "tier in (b,a)", "--selector", "site = plant-7", "--priority", "5");

    var request = p.command().request(p.line());
    assertThat(request.selector()).isEqualTo("site=plant-7,tier in (a,b)");
    assertThat(request.priority()).isEqualTo(5);
    assertThat(request.rollout()).isNull();
    assertThat(request.window()).isNull();
    assertThat(request.maxConcurrentDownloads()).isNull();
  }

  @Test
  void the_request_carries_plan_window_and_download_limit() {
    Parsed p =
        parse(
            "--canary",
            "1",
            "--gate",
            "error_rate<2%",
            "--window",
            "01:00-04:00",
            "--idle",
            "30s",
            "--max-downloads",
            "2",
            "--rollback");

    var request = p.command().request(p.line());
    assertThat(request.model()).isEqualTo("pump");
    assertThat(request.version()).isEqualTo(3);
    assertThat(request.selector()).isEmpty();
    assertThat(request.rollback()).isTrue();
    assertThat(request.priority()).isZero();
    assertThat(request.rollout().canary()).isEqualTo("1");
    assertThat(request.window())
        .isEqualTo(new MaintenanceWindow(LocalTime.of(1, 0), LocalTime.of(4, 0), 30));
    assertThat(request.maxConcurrentDownloads()).isEqualTo(2);
  }

  @Test
  void wait_gives_each_wave_five_minutes_and_its_soak_unless_told_otherwise() {
    Parsed plain = parse("--wait");
    Parsed waves = parse("--wait", "--canary", "5%", "--waves", "25%,50%,100%", "--soak", "10m");
    Parsed told = parse("--wait", "--canary", "1", "--soak", "1h", "--timeout", "90s");

    assertThat(plain.command().waitLimit(plain.command().request(plain.line())))
        .isEqualTo(Duration.ofMinutes(5));
    assertThat(waves.command().waitLimit(waves.command().request(waves.line())))
        .isEqualTo(Duration.ofMinutes(60));
    assertThat(told.command().waitLimit(told.command().request(told.line())))
        .isEqualTo(Duration.ofSeconds(90));
  }

  @Test
  void gate_settings_without_a_gate_are_refused_naming_the_flag() {
    assertThat(refused("--on-fail", "pause").err())
        .startsWith(
            "verge: --on-fail only matters with --gate: add the conditions it applies to\n");
    assertThat(refused("--min-devices", "3").err())
        .startsWith("verge: --min-devices only matters with --gate");
    assertThat(refused("--min-requests", "3").err())
        .startsWith("verge: --min-requests only matters with --gate");
    assertThat(refused("--gate", "error_rate<1%", "--min-devices", "0").err())
        .startsWith("verge: Invalid value for option '--min-devices': '0' must be 1 or more\n");
  }

  @Test
  void side_by_side_is_carried_in_the_request() {
    Parsed p = parse("--side-by-side", "--selector", "site=lab");

    assertThat(p.command().request(p.line()).sideBySide()).isTrue();
    assertThat(parse().command().request(parse().line()).sideBySide()).isFalse();
  }

  @Test
  void side_by_side_refuses_the_flags_that_steer_a_replacement() {
    assertThat(refused("--side-by-side", "--canary", "1").err())
        .contains("--side-by-side")
        .contains("rollout flags");
    assertThat(refused("--side-by-side", "--rollback").err()).contains("--rollback");
    assertThat(refused("--side-by-side", "--window", "01:00-04:00").err()).contains("--window");
  }
}
