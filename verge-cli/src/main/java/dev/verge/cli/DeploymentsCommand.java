package dev.verge.cli;

import dev.verge.cli.output.RolloutReport;
import dev.verge.core.api.DeploymentView;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code verge deployments [ID]}: the name this command had before rollouts; it prints what {@code
 * verge rollout list} and {@code verge rollout show ID} print, so scripts that use it keep working.
 */
@Command(
    name = "deployments",
    mixinStandardHelpOptions = true,
    description =
        "List deployments, or show one with each device's state (same as 'verge rollout list' and"
            + " 'verge rollout show ID').")
final class DeploymentsCommand implements Runnable {
  @Parameters(arity = "0..1", paramLabel = "ID")
  Long id;

  @Mixin HubOptions hub;
  @Mixin OutputOptions output;

  @Override
  public void run() {
    if (id != null) {
      DeploymentView view = hub.client().deployment(id);
      if (!output.printedJson(view)) {
        System.out.print(RolloutReport.show(view));
      }
      return;
    }
    List<DeploymentView> views = hub.client().deployments();
    if (!output.printedJson(views)) {
      System.out.print(RolloutReport.list(views));
    }
  }
}
