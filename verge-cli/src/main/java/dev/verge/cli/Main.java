package dev.verge.cli;

import dev.verge.agent.AgentException;
import dev.verge.cli.client.HubClientException;
import dev.verge.cli.demo.DemoCommand;
import dev.verge.core.bundle.BundleException;
import dev.verge.core.json.JsonFormatException;
import dev.verge.core.signing.KeyFormatException;
import dev.verge.hub.HubException;
import java.io.UncheckedIOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
      TokensCommand.class,
      DemoCommand.class,
      CompletionCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    // One line per log record (the JDK's default takes two), set before any logger exists.
    if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty(
          "java.util.logging.SimpleFormatter.format", "%1$tF %1$tT %4$s %3$s: %5$s%6$s%n");
    }
    System.exit(run(args));
  }

  /** Runs {@code verge args} and returns the exit status, without exiting the JVM. */
  public static int run(String... args) {
    return new CommandLine(new Main())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(Main::handle)
        .setParameterExceptionHandler(UsageErrors::handle)
        .execute(args);
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
