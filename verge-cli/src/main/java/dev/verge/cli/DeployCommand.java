package dev.verge.cli;

import dev.verge.cli.client.HubAdminClient;
import dev.verge.core.api.DeploymentRequest;
import dev.verge.core.api.DeploymentView;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
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

  @Option(names = "--wait", description = "Follow the rollout until every device is done.")
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
    if (await) {
      view = follow(client, view.id(), timeout);
    }
    if (!output.printedJson(view) && await) {
      DeploymentsCommand.print(view);
    }
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
              "rollout %d: %d/%d active, %d pending, %d failed",
              id, c.active(), c.targeted(), c.pending(), c.failed());
      if (!line.equals(last)) {
        System.err.println(line);
        last = line;
      }
      if (c.pending() == 0) {
        return view;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new CommandFailedException(
            "rollout " + id + " still has " + c.pending() + " pending device(s) after " + timeout);
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
