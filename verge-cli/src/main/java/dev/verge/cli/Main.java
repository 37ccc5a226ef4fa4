package dev.verge.cli;

import dev.verge.agent.AgentException;
import dev.verge.cli.client.HubClientException;
import dev.verge.cli.config.ConfigException;
import dev.verge.cli.config.Flags;
import dev.verge.cli.config.LogSettings;
import dev.verge.cli.config.Settings;
import dev.verge.cli.demo.DemoCommand;
import dev.verge.cli.logging.LogFormat;
import dev.verge.cli.logging.LogLevel;
import dev.verge.cli.logging.Logging;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.json.JsonFormatException;
import dev.verge.core.signing.KeyFormatException;
import dev.verge.hub.HubException;
import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code verge} command: the one composition root of every Verge program. */
@Command(
    name = "verge",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Run ML models on fleets of edge devices and manage their lifecycle.",
    subcommands = {
      HubCommand.class,
      AgentCommand.class,
      KeysCommand.class,
      BundleCommand.class,
      ModelCommand.class,
      DeployCommand.class,
      DevicesCommand.class,
      DeploymentsCommand.class,
      RolloutCommand.class,
      TokensCommand.class,
      ConfigCommand.class,
      DemoCommand.class,
      SimCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  // Declared for every command; read with their origin through Flags, like the hub's and agent's.
  @Option(
      names = "--log-format",
      paramLabel = "FORMAT",
      scope = ScopeType.INHERIT,
      description =
          "Log lines as text (default) or json, one record a line (env VERGE_LOG_FORMAT).")
  String logFormat;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      scope = ScopeType.INHERIT,
      description = "error, warn, info or debug (env VERGE_LOG_LEVEL; default info).")
  String logLevel;

  public static void main(String[] args) {
    // One line per record from the first one on; the hub and agent refine it from their settings.
    Logging.configure(LogFormat.TEXT, LogLevel.INFO);
    System.exit(run(args));
  }

  /** Runs {@code verge args} and returns the exit status, without exiting the JVM. */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The command tree as {@link #run} uses it, for tests that parse without running. */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionStrategy(Main::execute)
        .setExecutionExceptionHandler(Main::handle)
        .setParameterExceptionHandler(UsageErrors::handle);
  }

  /**
   * Sets up logging from {@code --log-format}, {@code --log-level} and the environment, then runs.
   */
  private static int execute(CommandLine.ParseResult parseResult) {
    CommandLine.ParseResult last = parseResult;
    while (last.hasSubcommand()) {
      last = last.subcommand();
    }
    try {
      Settings log =
          Settings.resolve(
              "log",
              List.of(LogSettings.FORMAT, LogSettings.LEVEL),
              null,
              System.getenv(),
              Flags.given(last.commandSpec()));
      Logging.configure(log.get(LogSettings.FORMAT), log.get(LogSettings.LEVEL));
    } catch (ConfigException e) {
      CommandLine command = last.commandSpec().commandLine();
      command.getErr().println("verge: " + e.getMessage());
      return 2;
    }
    return new CommandLine.RunLast().execute(parseResult);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Errors a user can act on print one line naming what went wrong; anything else is a bug and
   * keeps its stack trace.
   */
  private static int handle(
      Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    if (e instanceof ConfigException config) {
      commandLine.getErr().println("verge: " + String.join("\nverge: ", config.problems()));
      return 2;
    }
    String message = userMessage(e);
    if (message == null) {
      e.printStackTrace(commandLine.getErr());
      return 70;
    }
    commandLine.getErr().println("verge: " + message);
    return 1;
  }

  /** The one-line message for failures a user can act on; null for bugs. */
  private static String userMessage(Exception e) {
    if (e instanceof BundleException b) {
      return "bundle rejected (" + b.problem() + "): " + b.getMessage();
    }
    if (e instanceof UncheckedIOException io) {
      return io.getMessage()
          + (io.getCause() == null ? "" : " (" + io.getCause().getMessage() + ")");
    }
    boolean actionable =
        e instanceof HubClientException
            || e instanceof KeyFormatException
            || e instanceof JsonFormatException
            || e instanceof AgentException
            || e instanceof HubException
            || e instanceof CommandFailedException
            || e instanceof IllegalArgumentException
            || e instanceof IllegalStateException;
    return actionable ? e.getMessage() : null;
  }

  /** The version and commit the build stamped into the jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {BuildInfo.CURRENT.describe()};
    }
  }

  public static String version() {
    return BuildInfo.CURRENT.version();
  }
}
