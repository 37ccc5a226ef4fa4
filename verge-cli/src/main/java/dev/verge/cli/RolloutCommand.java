package dev.verge.cli;

import dev.verge.cli.output.RolloutReport;
import dev.verge.core.api.ApiPaths;
import dev.verge.core.api.DeploymentView;
import dev.verge.core.api.RolloutAction;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code verge rollout list|show|pause|resume|abort|rollback}: follow and steer rollouts. */
@Command(
    name = "rollout",
    mixinStandardHelpOptions = true,
    description = "List rollouts, show one wave by wave, or pause, resume, abort or roll it back.",
    subcommands = {
      RolloutCommand.ListRollouts.class,
      RolloutCommand.Show.class,
      RolloutCommand.Pause.class,
      RolloutCommand.Resume.class,
      RolloutCommand.Abort.class,
      RolloutCommand.Rollback.class
    })
final class RolloutCommand {

  /** {@code verge rollout list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Every rollout with its state, current wave and device counts.")
  static final class ListRollouts implements Runnable {
    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      List<DeploymentView> views = hub.client().deployments();
      if (!output.printedJson(views)) {
        System.out.print(RolloutReport.list(views));
      }
    }
  }

  /** {@code verge rollout show ID}. */
  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description =
          "One rollout: plan, a progress bar per wave with its gate readings, every transition"
              + " with its time and reason, and each device's state and reason.")
  static final class Show implements Runnable {
    @Parameters(paramLabel = "ID", description = "The deployment's id.")
    long id;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    @Override
    public void run() {
      DeploymentView view = hub.client().deployment(id);
      if (!output.printedJson(view)) {
        System.out.print(RolloutReport.show(view));
      }
    }
  }

  /** What the action commands share: the id, a reason, and how the answer is printed. */
  abstract static class Action implements Runnable {
    @Parameters(paramLabel = "ID", description = "The deployment's id.")
    long id;

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        description = "Why, recorded with the transition (default: the hub's own words).")
    String reason;

    @Mixin HubOptions hub;
    @Mixin OutputOptions output;

    abstract String action();

    @Override
    public void run() {
      if (reason != null && reason.length() > RolloutAction.MAX_REASON) {
        throw new CommandFailedException(
            "--reason is "
                + reason.length()
                + " characters long, at most "
                + RolloutAction.MAX_REASON);
      }
      DeploymentView view = hub.client().rolloutAction(id, action(), reason);
      if (!output.printedJson(view)) {
        System.out.println("Rollout " + id + " is now " + RolloutReport.phase(view));
      }
    }
  }

  @Command(
      name = "pause",
      mixinStandardHelpOptions = true,
      description = "Start no further wave until the rollout is resumed.")
  static final class Pause extends Action {
    @Override
    String action() {
      return ApiPaths.PAUSE;
    }
  }

  @Command(
      name = "resume",
      mixinStandardHelpOptions = true,
      description = "Go on from where a paused rollout stopped.")
  static final class Resume extends Action {
    @Override
    String action() {
      return ApiPaths.RESUME;
    }
  }

  @Command(
      name = "abort",
      mixinStandardHelpOptions = true,
      description = "Stop the rollout: updated devices keep the version, no further wave starts.")
  static final class Abort extends Action {
    @Override
    String action() {
      return ApiPaths.ABORT;
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description = "Send every updated device back to the version it ran before.")
  static final class Rollback extends Action {
    @Override
    String action() {
      return ApiPaths.ROLLBACK;
    }
  }
}
