package dev.verge.cli.demo;

import dev.verge.cli.CommandFailedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
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
            + " and the predictions synced back. Ctrl-C stops everything it started.",
    subcommands = DemoCommand.Train.class)
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

  /** {@code verge demo train}: the demo's model as an ONNX file, for trying Verge by hand. */
  @Command(
      name = "train",
      mixinStandardHelpOptions = true,
      description =
          "Train the demo's pump-failure classifier with Tribuo and write it as an ONNX file"
              + " (input FP32[batch, 2]: temperature/10 in °C, vibration in mm/s; output the"
              + " probabilities of healthy and failing).")
  static final class Train implements Callable<Integer> {
    @Option(
        names = "--version",
        defaultValue = "1",
        description =
            "1; 2 for the retrained model; 3 for the mislabelled one a rollout must stop (default ${DEFAULT-VALUE}).")
    long version;

    @Option(
        names = "--out",
        required = true,
        paramLabel = "FILE",
        description = "ONNX file to write.")
    Path out;

    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    @Override
    public Integer call() {
      if (Files.exists(out) && !force) {
        throw new CommandFailedException(out + " exists; pass --force to overwrite it");
      }
      PumpModelTrainer.TrainedModel trained = PumpModelTrainer.Recipe.of(version).train(out);
      System.out.printf(
          Locale.ROOT,
          "Wrote %s (model v%d, %.1f%% accurate on held-out readings)%n",
          out,
          version,
          100 * trained.accuracy());
      return 0;
    }
  }
}
