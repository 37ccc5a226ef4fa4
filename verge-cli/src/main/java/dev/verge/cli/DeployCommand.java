package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import dev.verge.core.api.RolloutState;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code verge deploy}: send a model version to the devices that match a selector. */
@Command(
    name = "deploy",
    description = "Deploy a published model version to every device whose labels match.")
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
      paramLabel = "KEY=VALUE",
      description = "Label key=value a device must have; repeatable (none: every device).")
  Map<String, String> selector = new LinkedHashMap<>();

  @Option(names = "--rollback", description = "Allow devices to go to a lower version.")
  boolean rollback;

  @Option(
      names = "--wait",
      description =
          "Follow the rollout until every device is done; exits 1 when a device failed or none"
              + " matched.")
  boolean await;

  @Option(
      names = "--timeout",
      defaultValue = "5m",
      converter = DurationConverter.class,
      description = "How long --wait waits (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin HubOptions hub;
  @Mixin OutputOptions output;

  @Override
  public void run() {
    HubAdminClient client = hub.client();
    DeploymentView view =
        client.deploy(new DeploymentRequest(model, version, Map.copyOf(selector), rollback));
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
              + " device(s)");
    }
    if (view.counts().targeted() == 0) {
      String none = noDeviceMatches(view);
      if (await) {
        output.printedJson(view);
        throw new CommandFailedException(none + "; nothing to wait for");
      }
      System.err.println("verge: warning: " + none);
    }
    for (DeviceRollout device : view.devices()) {
      String refusal = antiRollbackRefusal(view, device);
      if (refusal != null) {
        System.err.println("verge: warning: " + refusal);
      }
    }
    if (!await) {
      output.printedJson(view);
      return;
    }
    view = follow(client, view.id(), timeout);
    if (!output.printedJson(view)) {
      DeploymentsCommand.print(view);
    }
    requireNoFailure(view);
  }

  /** Why a deployment reached no device, and what happens to devices that come later. */
  static String noDeviceMatches(DeploymentView view) {
    if (view.selector().isEmpty()) {
      return "no device is enrolled with the hub yet; devices that enroll later get deployment "
          + view.id();
    }
    return "no enrolled device has the labels "
        + view.selector()
        + " (see 'verge devices'); devices that have them later get deployment "
        + view.id();
  }

  /**
   * What the device's agent will say to a lower version than it runs, and how to go back on
   * purpose; null when it will not refuse for that reason.
   */
  static String antiRollbackRefusal(DeploymentView view, DeviceRollout device) {
    if (view.rollback()
        || device.activeVersion() == null
        || device.activeVersion() <= view.version()) {
      return null;
    }
    return DeploymentsCommand.describe(device)
        + " runs "
        + view.model()
        + " v"
        + device.activeVersion()
        + ", above v"
        + view.version()
        + ", and refuses to go back outside a rollback: deploy again with --rollback";
  }

  /**
   * @throws CommandFailedException naming each device that failed and why
   */
  static void requireNoFailure(DeploymentView view) {
    List<DeviceRollout> failed =
        view.devices().stream().filter(d -> d.state() == RolloutState.FAILED).toList();
    if (failed.isEmpty()) {
      return;
    }
    StringBuilder message =
        new StringBuilder("rollout ")
            .append(view.id())
            .append(" failed on ")
            .append(failed.size())
            .append(" of ")
            .append(view.counts().targeted())
            .append(" device(s):");
    for (DeviceRollout device : failed) {
      message.append("\n  ").append(DeploymentsCommand.describe(device)).append(": ");
      message.append(device.reason() == null ? "no reason reported" : device.reason());
      String refusal = antiRollbackRefusal(view, device);
      if (refusal != null) {
        message.append(" (deploy again with --rollback to go back on purpose)");
      }
    }
    throw new CommandFailedException(message.toString());
  }

  /** Prints the rollout's progress as it changes until nothing is pending, or the timeout. */
  static DeploymentView follow(HubAdminClient client, long id, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String last = "";
    while (true) {
      DeploymentView view = client.deployment(id);
      DeploymentView.Counts c = view.counts();
      String line =
          String.format(
              "rollout %d: %d/%d active, %d pending, %d failed, %d superseded",
              id, c.active(), c.targeted(), c.pending(), c.failed(), c.superseded());
      if (!line.equals(last)) {
        System.err.println(line);
        last = line;
      }
      if (c.inProgress() == 0) {
        return view;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new CommandFailedException(
            "rollout "
                + id
                + " still has "
                + c.inProgress()
                + " pending device(s) after "
                + timeout);
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailedException("interrupted");
      }
    }
  }
}
