package dev.verge.cli;

import dev.verge.cli.output.Table;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.DeviceRollout;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code verge deployments [ID]}. */
@Command(
    name = "deployments",
    mixinStandardHelpOptions = true,
    description = "List deployments, or show one with each device's state.")
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
        print(view);
      }
      return;
    }
    List<DeploymentView> views = hub.client().deployments();
    if (output.printedJson(views)) {
      return;
    }
    Table table =
        new Table(
            "ID",
            "MODEL",
            "VERSION",
            "SELECTOR",
            "ACTIVE",
            "PENDING",
            "FAILED",
            "SUPERSEDED",
            "CREATED");
    for (DeploymentView v : views) {
      table.row(
          v.id(),
          v.model(),
          v.version() + (v.rollback() ? " (rollback)" : ""),
          v.selector().isEmpty() ? "all" : v.selector(),
          v.counts().active() + "/" + v.counts().targeted(),
          v.counts().pending(),
          v.counts().failed(),
          v.counts().superseded(),
          v.createdAt());
    }
    table.print(System.out);
  }

  /** A device as messages name it: its name, then its id. */
  static String describe(DeviceRollout device) {
    return device.deviceName() + " (" + device.deviceId() + ")";
  }

  static void print(DeploymentView v) {
    System.out.println(
        "Deployment "
            + v.id()
            + ": "
            + v.model()
            + " v"
            + v.version()
            + (v.rollback() ? " (rollback)" : ""));
    Table table = new Table("DEVICE", "NAME", "STATE", "ACTIVE VERSION", "ERROR");
    for (DeviceRollout d : v.devices()) {
      table.row(d.deviceId(), d.deviceName(), d.state(), d.activeVersion(), d.reason());
    }
    table.print(System.out);
  }
}
