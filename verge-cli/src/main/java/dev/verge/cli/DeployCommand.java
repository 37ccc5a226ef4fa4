package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.cli.output.RolloutProgress;
import dev.verge.cli.output.RolloutReport;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.select.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code verge deploy}: send a model version to the devices that match a selector. */
@Command(
    name = "deploy",
    description = {
      "Deploy a published model version to every device whose labels match, all at once or through"
          + " a canary and waves with health gates.",
      "Example: verge deploy --model pump --version 3 --selector 'site=plant-7,tier in (a,b)'"
          + " --canary 5%% --waves 25%%,50%%,100%% --soak 10m"
          + " --gate 'error_rate<1%%,p95_latency_ms<20'"
          + " --on-fail rollback --wait"
    })
final class DeployCommand implements Runnable {
  /**
   * {@code -h/--help} by hand: {@code mixinStandardHelpOptions} would also bring {@code --version},
   * which clashes with the model version option, and picocli then drops the help option's meaning
   * (so {@code --help} failed with "Missing required options").
   */
  @Option(
      names = {"-h", "--help"},
      usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Option(names = "--model", required = true, description = "Published model name.")
  String model;

  @Option(names = "--version", required = true, description = "Published version to deploy.")
  long version;

  @Option(
      names = "--selector",
      paramLabel = "SELECTOR",
      converter = SelectorConverter.class,
      description =
          "Devices to target, by label: k=v, k!=v, 'k in (a,b)', 'k notin (a,b)', k (has it), !k"
              + " (lacks it), comma-separated; repeatable, all must hold (none: every device).")
  List<Selector> selectors = new ArrayList<>();

  @Option(
      names = "--priority",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Among deployments of this model to one device the highest wins, newest first on a tie"
              + " (default ${DEFAULT-VALUE}).")
  int priority;

  @Option(names = "--rollback", description = "Allow devices to go to a lower version.")
  boolean rollback;

  @Option(
      names = "--side-by-side",
      description =
          "Serve the version beside the model's default version, on its versioned paths only"
              + " (/v2/models/NAME/versions/N/...), instead of replacing it: to every targeted"
              + " device at once; no rollout plan, window, priority or --rollback. Roll the"
              + " deployment back (verge rollout rollback ID) to stop serving it.")
  boolean sideBySide;

  @Mixin RolloutOptions rollout;

  @Option(
      names = "--wait",
      description =
          "Follow the rollout until it ends; exits 0 only when it completed and every targeted"
              + " device runs the version, 1 when a device failed, it rolled back, was aborted or"
              + " paused, or no device matched.")
  boolean await;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      converter = DurationConverter.class,
      description =
          "How long --wait waits (default 5m for each wave, plus its soak time); the rollout goes"
              + " on in the hub after.")
  Duration timeout;

  @Mixin HubOptions hub;
  @Mixin OutputOptions output;
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    DeploymentRequest request = request(spec.commandLine());
    HubAdminClient client = hub.client();
    DeploymentView view = client.deploy(request);
    if (!output.json()) {
      System.out.println(
          "Deployment "
              + view.id()
              + ": "
              + model
              + " v"
              + version
              + " to "
              + view.counts().targeted()
              + " device(s)"
              + (view.sideBySide() ? ", beside the default version" : "")
              + (view.plan() == null ? "" : ", " + RolloutReport.plan(view.plan())));
    }
    if (view.counts().targeted() == 0) {
      String none = RolloutOutcome.noDeviceMatches(view);
      if (await) {
        output.printedJson(view);
        throw new CommandFailedException(none + "; nothing to wait for");
      }
      System.err.println("verge: warning: " + none);
    }
    RolloutOutcome.antiRollbackWarnings(view)
        .forEach(w -> System.err.println("verge: warning: " + w));
    if (!await) {
      output.printedJson(view);
      return;
    }
    try (RolloutProgress progress = RolloutProgress.onStderr()) {
      view = RolloutOutcome.follow(client, view.id(), waitLimit(request), progress);
    }
    if (!output.printedJson(view)) {
      System.out.print(RolloutReport.show(view));
    }
    RolloutOutcome.requireSuccess(view);
  }

  /** {@code --timeout}, or enough for every wave of the plan to update and soak. */
  Duration waitLimit(DeploymentRequest request) {
    if (timeout != null) {
      return timeout;
    }
    if (request.rollout() == null) {
      return PER_WAVE;
    }
    var plan = request.rollout();
    int waves = (plan.canary() == null ? 0 : 1) + Math.max(1, plan.waves().size());
    Duration soak = plan.soak() == null ? Duration.ZERO : plan.soak();
    return PER_WAVE.plus(soak).multipliedBy(waves);
  }

  /** How long --wait gives one wave to update, by default. */
  static final Duration PER_WAVE = Duration.ofMinutes(5);

  /**
   * The request the flags describe, checked before the hub is called.
   *
   * @throws CommandLine.ParameterException naming the flag whose value does not fit
   */
  DeploymentRequest request(CommandLine command) {
    List<Selector.Requirement> requirements = new ArrayList<>();
    selectors.forEach(s -> requirements.addAll(s.requirements()));
    if (sideBySide) {
      String clash =
          rollout.plan(command) != null
              ? "the rollout flags (--canary, --waves, --gate, ...)"
              : rollout.window(command) != null
                  ? "--window/--idle"
                  : rollback ? "--rollback" : priority != 0 ? "--priority" : null;
      if (clash != null) {
        throw new CommandLine.ParameterException(
            command,
            "--side-by-side serves the version beside the default one on every targeted device at"
                + " once, so it does not take "
                + clash);
      }
    }
    return new DeploymentRequest(
        model,
        version,
        Selector.of(requirements).toString(),
        rollback,
        priority,
        rollout.plan(command),
        rollout.window(command),
        rollout.maxDownloads(command),
        sideBySide);
  }
}
