package dev.verge.cli.demo;

import dev.verge.cli.CommandFailedException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code verge demo}: the whole lifecycle on this machine, with embedded defaults only. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run the whole lifecycle locally: a hub, three agents as separate processes, a trained"
            + " and signed predictive-maintenance model deployed, served, upgraded under load,"
            + " and the predictions synced back. Ctrl-C stops everything it started.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--once",
      description = "Exit after the summary (status 0 when every step worked).")
  boolean once;

  @Option(
      names = "--agents",
      defaultValue = "3",
      description = "How many agents (default ${DEFAULT-VALUE}).")
  int agents;

  @Option(
      names = "--requests",
      defaultValue = "50",
      description = "Requests per agent before the upgrade (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(
      names = "--work",
      description = "Folder for the demo's hub and agents (default: a new temporary folder).")
  Path work;

  @Option(names = "--keep", description = "Keep the work folder after the demo.")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    if (agents < 1 || agents > 20) {
      throw new CommandFailedException("--agents must be 1 to 20, got " + agents);
    }
    Demo.Options options = new Demo.Options(agents, requests, work, keep || work != null, once);
    Demo.Result result = new Demo(options, System.out).run();
    if (result instanceof Demo.Result.Failed failed) {
      throw new CommandFailedException(
          "demo failed at step '" + failed.step() + "': " + failed.reason());
    }
    return 0;
  }
}
